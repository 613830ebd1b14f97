/**
 * Content fingerprints for file identity (STYLE.md rule 6, after Vector's `FirstLinesChecksum`).
 *
 * A fingerprint is a hash of the first `min(size, 1024)` bytes of the (decompressed) content. It survives
 * rename, copy and inode reuse, and a `.jsonl.zst` cold copy fingerprints like the `.jsonl` it was made
 * from. Because a live file grows, the stored fingerprint may cover fewer than 1024 bytes; `hashPrefix`
 * recomputes it over exactly that many bytes to tell "appended" from "rewritten". An empty file is
 * `too-short` (a normal, remembered state, not an error) and a vanished path is `gone`.
 */
import { createHash } from 'node:crypto';
import type { ByteSource } from './source.js';
import { openSource } from './source.js';

export const FINGERPRINT_BYTES = 1024;
/** Hex chars kept from the sha256 digest (128 bits: ample for identity, half the column size). */
export const FINGERPRINT_HEX_CHARS = 32;

export type Fingerprint =
  | { kind: 'ok'; bytes: number; hash: string }
  | { kind: 'too-short' }
  | { kind: 'gone' };
/** What can be said about an open source: it exists, so it is never `gone`. */
export type SourceFingerprint = Exclude<Fingerprint, { kind: 'gone' }>;

/** Fingerprints the first `min(size, 1024)` bytes; `too-short` for empty content. */
export function fingerprintSource(src: ByteSource): SourceFingerprint {
  const n = Math.min(src.size, FINGERPRINT_BYTES);
  if (n === 0) return { kind: 'too-short' };
  return hashPrefix(src, n);
}

/**
 * Hashes exactly the first `n` bytes, to compare with a stored `{ bytes: n, hash }`. `too-short` when the
 * source now holds fewer than `n` bytes (it was truncated or replaced).
 */
export function hashPrefix(src: ByteSource, n: number): SourceFingerprint {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`hashPrefix: n must be a non-negative integer, got ${n}`);
  if (src.size < n) return { kind: 'too-short' };
  const buf = Buffer.allocUnsafe(n);
  let got = 0;
  while (got < n) {
    const r = src.read(buf, got, n - got, got);
    if (r <= 0) return { kind: 'too-short' }; // shrank after open
    got += r;
  }
  const hash = createHash('sha256').update(buf).digest('hex').slice(0, FINGERPRINT_HEX_CHARS);
  return { kind: 'ok', bytes: n, hash };
}

/**
 * Opens `path` with `openSource` (so `.zst` is fingerprinted on its decompressed content) and fingerprints
 * it. A path that no longer exists is `gone`; other failures (permissions, undecodable `.zst`) throw.
 */
export function fingerprintPath(path: string): Fingerprint {
  let src: ByteSource;
  try {
    src = openSource(path);
  } catch (err) {
    if (isMissing(err)) return { kind: 'gone' };
    throw err;
  }
  try {
    return fingerprintSource(src);
  } finally {
    src.close();
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  // ENOTDIR: a parent directory was replaced by a file, which also means the path is gone.
  return code === 'ENOENT' || code === 'ENOTDIR';
}
