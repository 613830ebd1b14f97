/**
 * The built-in secret detectors (docs/CONFIG.md `redact`). Each names a stable kind, which appears in the
 * replacement `[REDACTED:<kind>]`, and carries `hint`: a cheap test that must pass before its regex runs, so the
 * usual string (code, prose, tool output without credentials) costs a few substring scans and no regex work.
 *
 * Precision choices, so ordinary code survives:
 * - Token formats are matched only with their vendor prefix and a minimum length (GitHub `ghp_…`, `glpat-…`,
 *   `xoxb-…`, `sk-ant-…`, …); git SHAs, sha256 hex, UUIDs and base64 blobs have none of those prefixes.
 * - `password=` / `secret=` assignments redact only the value, and only a literal one: a quoted string, or an
 *   unquoted `key=value` without spaces (env files, shell, query strings, flags). A value that is code
 *   (`password=password)`, `secret=os.environ[...]`, `password=get()`) or a placeholder (empty, `***`, `xxx`,
 *   `<…>`, `${…}`, `$VAR`, `$(…)`, `{…}`, `%s`, `changeme`, `password`, …) is left alone.
 * - URLs keep scheme, user and host; only the password between `:` and `@` is replaced.
 * Only the secret part of a match is replaced (`value`): the surrounding key or prefix stays readable.
 */

export interface Detector {
  readonly kind: string;
  /** A cheap test on the whole string; the regex runs only when it passes. */
  readonly hint: (s: string) => boolean;
  /**
   * Global regex; group `v` (or `w`, for a second alternative), when present, is the secret part to replace;
   * else the whole match is.
   */
  readonly regex: RegExp;
  /** Optional veto on one match (placeholders, code references). */
  readonly keep?: (secret: string, after: string) => boolean;
}

const has =
  (...needles: string[]) =>
  (s: string) =>
    needles.some((n) => s.includes(n));

/** Values that name or stand in for a secret rather than being one. */
const PLACEHOLDER =
  /^(?:[*xX.•_-]+|<[^>]*>|\$[({A-Za-z_].*|\{\{?[^}]*\}\}?|%\(?[a-z_]*\)?s|\[REDACTED[^\]]*\]|(?:your|my|the|some|new|old|example|dummy|fake|test|sample)?[_-]?(?:password|passwd|passphrase|secret|pass|pw|pwd)|changeme|change_me|placeholder|redacted|hidden|none|null|nil|undefined|true|false|required|optional|string|str|example|\.\.\.)$/i;

export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value.trim());
}

/**
 * A JSON field whose name says it holds a password or secret (`password`, `dbPassword`, `client_secret`,
 * `SECRET_KEY`, …): in a parsed object (tool parameters, `raw_data`) the key and the value are separate strings,
 * so the assignment detector cannot see them together.
 */
const SECRET_FIELD = /(?:password|passwd|passphrase|secret(?:[_-]?access)?(?:[_-]?key)?)$/i;

export function isSecretField(key: string): boolean {
  return SECRET_FIELD.test(key);
}

/** An unquoted value followed by a call, index, member access or argument separator is code, not a literal. */
const CODE_FOLLOW = /^[([.,)]/;
const IDENT_LIKE = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;

const KEY = '(?:password|passwd|passphrase|secret(?:[_-]?access)?(?:[_-]?key)?)';
/** `key` (optionally quoted, possibly JSON-escaped) then `=`, `:=` or `:` (never `==`). */
const ASSIGN = String.raw`${KEY}(?![A-Za-z0-9_])\\?["']?[ \t]*(?::=|=(?!=)|:(?![:/]))[ \t]*`;

function assignmentDetectors(): Detector[] {
  const quoted = new RegExp(
    String.raw`${ASSIGN}(?:\\?"(?<v>[^"\\\r\n]{1,512})\\?"|'(?<w>[^'\\\r\n]{1,512})')`,
    'gi',
  );
  // Unquoted: only `key=value` with no space around `=`, the value up to a delimiter.
  const bare = new RegExp(
    String.raw`${KEY}(?![A-Za-z0-9_])=(?!=)(?<v>\$\{[^}\s]*\}|[^\s"'\x60<>,;&|(){}\[\]\\]{1,512})`,
    'gi',
  );
  const hint = (s: string) => /pass|secret/i.test(s);
  return [
    { kind: 'password_assignment', hint, regex: quoted, keep: (v) => isPlaceholder(v) },
    {
      kind: 'password_assignment',
      hint,
      regex: bare,
      keep: (v, after) =>
        isPlaceholder(v) || (IDENT_LIKE.test(v) && CODE_FOLLOW.test(after)) || v.startsWith('$'),
    },
  ];
}

/**
 * One case-insensitive scan that every string a built-in detector can match passes: the union of the
 * detectors' hints. About 99 % of a session's strings fail it and cost nothing more (docs/PERFORMANCE.md).
 */
export const ANY_HINT =
  /AKIA|ASIA|ABIA|ACCA|aws|AIza|AccountKey=|gh[pousr]_|github_pat_|gl(?:pat|dt|rt|ptt|oas|cbt)-|xox|hooks\.slack\.com|sk-|eyJ|-----BEGIN|:\/\/|pass|secret/i;

export const BUILTIN_DETECTORS: readonly Detector[] = [
  {
    kind: 'private_key',
    hint: has('-----BEGIN'),
    // An unterminated block (a truncated tool output) is redacted to the end of the string.
    regex:
      /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g,
  },
  {
    kind: 'aws_access_key',
    hint: has('AKIA', 'ASIA', 'ABIA', 'ACCA'),
    regex: /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])/g,
  },
  {
    kind: 'aws_secret_key',
    hint: (s) => /aws/i.test(s),
    regex:
      /aws[_-]?secret[_-]?(?:access[_-]?)?key\\?["']?[ \t]*(?:=|:)[ \t]*\\?["']?(?<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
  },
  {
    kind: 'gcp_api_key',
    hint: has('AIza'),
    regex: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g,
  },
  {
    kind: 'azure_storage_key',
    hint: has('AccountKey='),
    regex: /AccountKey=(?<v>[A-Za-z0-9+/]{86}==)/g,
  },
  {
    kind: 'github_token',
    hint: has('ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'),
    regex:
      /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,244})(?![A-Za-z0-9_])/g,
  },
  {
    kind: 'gitlab_token',
    hint: has('glpat-', 'gldt-', 'glrt-', 'glptt-', 'gloas-', 'glcbt-'),
    regex: /(?<![A-Za-z0-9_-])gl(?:pat|dt|rt|ptt|oas|cbt)-[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])/g,
  },
  {
    kind: 'slack_token',
    hint: has('xox'),
    regex: /(?<![A-Za-z0-9_-])xox[abposre]-(?:[0-9]+-)?[A-Za-z0-9-]{10,}(?![A-Za-z0-9_-])/g,
  },
  {
    kind: 'slack_webhook',
    hint: has('hooks.slack.com'),
    regex: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/(?<v>[A-Za-z0-9_/]{20,})/g,
  },
  {
    kind: 'anthropic_api_key',
    hint: has('sk-ant-'),
    regex: /(?<![A-Za-z0-9_+/-])sk-ant-[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_+/=-])/g,
  },
  {
    kind: 'openai_api_key',
    hint: has('sk-'),
    // Project/service keys carry a typed prefix; legacy keys are one unbroken alphanumeric run (an
    // identifier like `sk-learn-model` has hyphens and is not matched). Neighbouring base64 characters
    // (`+`, `/`, `=`) mean the run is part of a blob, not a key.
    regex:
      /(?<![A-Za-z0-9_+/-])sk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{40,}|[A-Za-z0-9]{32,})(?![A-Za-z0-9_+/=-])/g,
  },
  {
    kind: 'jwt',
    hint: has('eyJ'),
    regex:
      /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}(?![A-Za-z0-9_-])/g,
  },
  {
    kind: 'url_credentials',
    hint: has('://'),
    regex: /\b[A-Za-z][A-Za-z0-9+.-]{1,15}:\/\/[^\s:/?#@"'<>\\[\]]+:(?<v>[^\s/?#@"'<>\\]+)@(?=[A-Za-z0-9[])/g,
    keep: (v) => isPlaceholder(v) || /^\$/.test(v),
  },
  ...assignmentDetectors(),
];
