/**
 * Applies the detectors to what leaves the machine. A {@link Redactor} is built once per configuration (custom
 * patterns compiled once) and is then a pure string → string function; {@link redactDeep} applies it to every
 * string inside a JSON-like value (object keys are left alone: they are field names, not content) and adds
 * the one rule that needs the key: secret-named fields.
 */
import { ANY_HINT, BUILTIN_DETECTORS, type Detector, isPlaceholder, isSecretField } from './detectors.js';

export type Redactor = (s: string) => string;

export const CUSTOM_KIND = 'custom';

export function marker(kind: string): string {
  return `[REDACTED:${kind}]`;
}

function applyDetector(s: string, d: Detector): string {
  d.regex.lastIndex = 0;
  return s.replace(d.regex, (...args: unknown[]) => {
    const match = args[0] as string;
    const last = args.at(-1);
    const groups = (typeof last === 'object' && last !== null ? last : {}) as Record<
      string,
      string | undefined
    >;
    // With named groups the callback ends (…, offset, string, groups); without, (…, offset, string).
    const hasGroups = typeof last === 'object' && last !== null;
    const offset = args.at(hasGroups ? -3 : -2) as number;
    const whole = args.at(hasGroups ? -2 : -1) as string;
    const secret = groups.v ?? groups.w;
    if (secret === undefined) return d.keep?.(match, '') ? match : marker(d.kind);
    const after = whole.slice(offset + match.length, offset + match.length + 1);
    if (d.keep?.(secret, after)) return match;
    const at = match.lastIndexOf(secret);
    return `${match.slice(0, at)}${marker(d.kind)}${match.slice(at + secret.length)}`;
  });
}

/**
 * A redactor running the built-in detectors and then the custom patterns (each compiled with `g`; a match
 * becomes `[REDACTED:custom]`). The config has already refused invalid patterns (config/collector.ts).
 */
export function createRedactor(customPatterns: readonly string[] = []): Redactor {
  const custom: Detector[] = customPatterns.map((p) => ({
    kind: CUSTOM_KIND,
    hint: () => true,
    regex: new RegExp(p, 'g'),
  }));
  return (s: string) => {
    let out = s;
    if (ANY_HINT.test(s)) for (const d of BUILTIN_DETECTORS) if (d.hint(out)) out = applyDetector(out, d);
    for (const d of custom) out = applyDetector(out, d);
    return out;
  };
}

/**
 * `value` with `redact` applied to every string value (not to keys). A string field named like a password or
 * secret (`{"password": "…"}`) is redacted whole as `password_assignment` unless it is a placeholder, the
 * structured form of `password = "…"`. Copy on write: what holds nothing to redact is returned as is, so the
 * usual case (no secret in a record of up to megabytes) allocates nothing.
 */
export function redactDeep(value: unknown, redact: Redactor): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const r = redactDeep(value[i], redact);
      if (r === value[i]) continue;
      out ??= value.slice();
      out[i] = r;
    }
    return out ?? value;
  }
  if (typeof value === 'object' && value !== null) {
    let out: Record<string, unknown> | null = null;
    for (const [k, v] of Object.entries(value)) {
      const r =
        typeof v === 'string' && v !== '' && isSecretField(k) && !isPlaceholder(v) && !v.startsWith('$')
          ? marker('password_assignment')
          : redactDeep(v, redact);
      if (r !== v) {
        out ??= { ...value };
        Object.defineProperty(out, k, { value: r, writable: true, enumerable: true, configurable: true });
      }
    }
    return out ?? value;
  }
  return value;
}
