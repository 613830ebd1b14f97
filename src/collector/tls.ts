/**
 * TLS failures in plain words: which check failed and what fixes it. A failed certificate check is a
 * configuration problem (the same certificate fails the same way on every retry), so it pauses publishing
 * like a wrong API key does, instead of being retried as a network hiccup; a handshake that breaks for other
 * reasons (a reset, a proxy in the way) stays transient.
 */

export interface TlsFailure {
  /** True when the certificate was checked and refused: retrying cannot help until something changes. */
  verification: boolean;
  /** What failed and the fix, for the user. */
  sentence: string;
}

const UNKNOWN_CA =
  'set ca_file (or NODE_EXTRA_CA_CERTS) to the PEM file of the authority that signed the server certificate';

const BY_CODE: Record<string, TlsFailure> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: {
    verification: true,
    sentence: `the server certificate is signed by an unknown authority: ${UNKNOWN_CA}`,
  },
  UNABLE_TO_GET_ISSUER_CERT: {
    verification: true,
    sentence: `the server certificate's issuer is unknown: ${UNKNOWN_CA}`,
  },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: {
    verification: true,
    sentence: `the server certificate is signed by an unknown authority: ${UNKNOWN_CA}`,
  },
  SELF_SIGNED_CERT_IN_CHAIN: {
    verification: true,
    sentence: `the server's certificate chain ends in a self-signed authority this machine does not trust: ${UNKNOWN_CA}`,
  },
  DEPTH_ZERO_SELF_SIGNED_CERT: {
    verification: true,
    sentence:
      'the server certificate is self-signed: set ca_file to that certificate (PEM) to trust it, or give the server a certificate from a trusted authority',
  },
  CERT_HAS_EXPIRED: {
    verification: true,
    sentence:
      "the server certificate has expired: the server needs a renewed certificate (check this machine's clock too)",
  },
  CERT_NOT_YET_VALID: {
    verification: true,
    sentence:
      "the server certificate is not valid yet: check this machine's clock, or the certificate's dates",
  },
  ERR_TLS_CERT_ALTNAME_INVALID: {
    verification: true,
    sentence:
      'the server certificate is not valid for the host name in server_url: use a name the certificate lists',
  },
  CERT_REVOKED: { verification: true, sentence: 'the server certificate has been revoked' },
  CERT_SIGNATURE_FAILURE: {
    verification: true,
    sentence: 'the server certificate signature does not verify (a damaged or forged certificate)',
  },
  CERT_UNTRUSTED: {
    verification: true,
    sentence: `the server certificate is not trusted for this purpose: ${UNKNOWN_CA}`,
  },
  CERT_REJECTED: { verification: true, sentence: 'the server certificate was rejected' },
  INVALID_CA: {
    verification: true,
    sentence: 'a certificate in the chain is not a valid authority (check the server chain and ca_file)',
  },
  ERR_SSL_WRONG_VERSION_NUMBER: {
    verification: false,
    sentence: 'the server did not answer in TLS: is server_url https:// to a port that speaks plain HTTP?',
  },
};

/** Node's codes for certificate checks (OpenSSL's verify errors) and TLS failures. */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_OSSL_|INVALID_CA$)/;

export function isTlsCode(code: string): boolean {
  return TLS_CODE.test(code);
}

/** The plain account of a TLS error code, or null when `code` is not a TLS code. */
export function describeTls(code: string): TlsFailure | null {
  const known = BY_CODE[code];
  if (known) return known;
  if (!isTlsCode(code)) return null;
  const verification = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code);
  return {
    verification,
    sentence: verification
      ? `the server certificate failed verification (${code}): check the server's certificate and ca_file`
      : `the TLS handshake failed (${code}): check that server_url is https:// to a TLS port`,
  };
}
