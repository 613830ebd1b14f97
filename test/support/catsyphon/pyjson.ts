/**
 * Python `json` emulation: what CatSyphon's request parsing (`json.loads`) keeps and what its hash and response
 * serialisation (`json.dumps`) print.
 *
 * JavaScript numbers lose two distinctions Python keeps, and both change bytes the server hashes or answers:
 * - a float lexeme with an integral value (`1.0`, `2e3`, `-0.0`) is a Python `float` and prints as `1.0`,
 *   `2000.0`, `-0.0`; `JSON.parse` turns it into the integer 1;
 * - an integer lexeme beyond 2^53 is an exact Python `int`; `JSON.parse` rounds it.
 * Python also accepts the literals `NaN`, `Infinity` and `-Infinity`.
 *
 * `parsePyJson` therefore returns plain JS values except for exactly those cases: an integral-valued (or
 * non-finite) float becomes a `PyFloat`, an unsafe integer a `PyInt` holding a bigint. A non-integral float and a
 * safe integer stay plain numbers, which is unambiguous (`Number.isInteger` tells them apart). Both wrappers
 * have `toJSON` so `JSON.stringify` still works (printing `1` for `1.0`); the `dumps*` functions below print them
 * exactly as Python does. The common case (no such lexeme) is parsed by the native `JSON.parse`.
 */

export class PyFloat {
  constructor(readonly value: number) {}
  toJSON(): number {
    return this.value;
  }
}

export class PyInt {
  constructor(readonly value: bigint) {}
  toJSON(): number {
    return Number(this.value);
  }
}

export type PyValue =
  | null
  | boolean
  | number
  | string
  | PyFloat
  | PyInt
  | PyValue[]
  | { [k: string]: PyValue };
export type PyDict = { [k: string]: PyValue };

export function isDict(v: unknown): v is PyDict {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof PyFloat) &&
    !(v instanceof PyInt)
  );
}

/** A JSON decode failure, positioned like Python's `JSONDecodeError` (`pos` is a character offset). */
export class PyJsonError extends Error {
  constructor(
    readonly msg: string,
    readonly pos: number,
  ) {
    super(`${msg}: char ${pos}`);
  }
}

/** `json.loads(text)` (strict mode, the default). */
export function parsePyJson(text: string): PyValue {
  if (!needsExactParser(text)) {
    try {
      return JSON.parse(text) as PyValue;
    } catch {
      // fall through: the exact parser accepts Python's extensions and positions the error like Python
    }
  }
  return new Parser(text).parseDocument();
}

/** Whether `text` has, outside strings, a number JSON.parse would not keep faithfully. */
function needsExactParser(text: string): boolean {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // skip a string
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return true; // malformed: let the exact parser report it
        let bs = 0;
        for (let k = q - 1; k > i && text.charCodeAt(k) === 0x5c; k--) bs++;
        if (bs % 2 === 0) {
          i = q + 1;
          break;
        }
        j = q + 1;
      }
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      let isFloat = false;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d >= 0x30 && d <= 0x39) i++;
        else if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) {
          isFloat = true;
          i++;
        } else break;
      }
      const lexeme = text.slice(start, i);
      const value = Number(lexeme);
      if (isFloat ? Number.isInteger(value) || !Number.isFinite(value) : !Number.isSafeInteger(value))
        return true;
    } else {
      i++;
    }
  }
  return false;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER_RE = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseDocument(): PyValue {
    this.ws();
    const v = this.value();
    this.ws();
    if (this.i !== this.s.length) throw new PyJsonError('Extra data', this.i);
    return v;
  }

  private ws(): void {
    while (this.i < this.s.length && WS.has(this.s.charCodeAt(this.i))) this.i++;
  }

  private value(): PyValue {
    const s = this.s;
    const c = s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (s.startsWith('null', this.i)) return this.lit(4, null);
    if (s.startsWith('true', this.i)) return this.lit(4, true);
    if (s.startsWith('false', this.i)) return this.lit(5, false);
    if (s.startsWith('NaN', this.i)) return this.lit(3, new PyFloat(Number.NaN));
    if (s.startsWith('Infinity', this.i)) return this.lit(8, new PyFloat(Number.POSITIVE_INFINITY));
    if (s.startsWith('-Infinity', this.i)) return this.lit(9, new PyFloat(Number.NEGATIVE_INFINITY));
    NUMBER_RE.lastIndex = this.i;
    const m = NUMBER_RE.exec(s);
    if (m) {
      this.i += m[0].length;
      return numberFromLexeme(m[0], m[1] !== undefined || m[2] !== undefined);
    }
    throw new PyJsonError('Expecting value', this.i);
  }

  private lit<T extends PyValue>(len: number, v: T): T {
    this.i += len;
    return v;
  }

  private object(): PyDict {
    const s = this.s;
    const out: PyDict = {};
    this.i++;
    this.ws();
    if (s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      if (s[this.i] !== '"') {
        throw new PyJsonError('Expecting property name enclosed in double quotes', this.i);
      }
      const key = this.string();
      this.ws();
      if (s[this.i] !== ':') throw new PyJsonError("Expecting ':' delimiter", this.i);
      this.i++;
      this.ws();
      const v = this.value();
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      this.ws();
      const c = s[this.i];
      if (c === '}') {
        this.i++;
        return out;
      }
      if (c !== ',') throw new PyJsonError("Expecting ',' delimiter", this.i);
      this.i++;
      this.ws();
    }
  }

  private array(): PyValue[] {
    const s = this.s;
    const out: PyValue[] = [];
    this.i++;
    this.ws();
    if (s[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = s[this.i];
      if (c === ']') {
        this.i++;
        return out;
      }
      if (c !== ',') throw new PyJsonError("Expecting ',' delimiter", this.i);
      this.i++;
      this.ws();
    }
  }

  private string(): string {
    const s = this.s;
    const begin = this.i;
    let i = this.i + 1;
    let out = '';
    let chunk = i;
    for (;;) {
      if (i >= s.length) throw new PyJsonError('Unterminated string starting at', begin);
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        out += s.slice(chunk, i);
        this.i = i + 1;
        return out;
      }
      if (c < 0x20) throw new PyJsonError('Invalid control character at', i);
      if (c === 0x5c) {
        out += s.slice(chunk, i);
        const e = s[i + 1];
        switch (e) {
          case '"':
          case '\\':
          case '/':
            out += e;
            i += 2;
            break;
          case 'b':
            out += '\b';
            i += 2;
            break;
          case 'f':
            out += '\f';
            i += 2;
            break;
          case 'n':
            out += '\n';
            i += 2;
            break;
          case 'r':
            out += '\r';
            i += 2;
            break;
          case 't':
            out += '\t';
            i += 2;
            break;
          case 'u': {
            const hex = s.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new PyJsonError('Invalid \\uXXXX escape', i + 1);
            out += String.fromCharCode(Number.parseInt(hex, 16));
            i += 6;
            break;
          }
          default:
            throw new PyJsonError('Invalid \\escape', i);
        }
        chunk = i;
        continue;
      }
      i++;
    }
  }
}

function numberFromLexeme(lexeme: string, isFloat: boolean): PyValue {
  const value = Number(lexeme);
  if (isFloat) return Number.isInteger(value) || !Number.isFinite(value) ? new PyFloat(value) : value;
  if (Number.isSafeInteger(value)) return value === 0 ? 0 : value; // `-0` is the int 0
  return new PyInt(BigInt(lexeme));
}

/** Python `float.__repr__` (as json.dumps prints floats; non-finite as json.dumps spells them). */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument gives the shortest round-tripping digits, as Python's repr does
  const [mant = '', expText = '0'] = x.toExponential().split('e');
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const sign = neg ? '-' : '';
  if (exp >= -5 + 1 && exp < 16) {
    // positional
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const frac = digits.slice(exp + 1);
    return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = Math.abs(exp).toString().padStart(2, '0');
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
}

function numberRepr(v: number): string {
  return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
}

/** Code-point order, as Python sorts `str` keys (JS `sort()` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // surrogates (0xD800-0xDFFF) encode code points above every BMP unit
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) {
      // a surrogate pair beats any BMP char except when the surrogate is lone (still ranks by its unit value)
      const xp = xs ? pairCodePoint(a, i) : x;
      const yp = ys ? pairCodePoint(b, i) : y;
      return xp - yp;
    }
    return x - y;
  }
  return a.length - b.length;
}

function pairCodePoint(s: string, i: number): number {
  const cp = s.codePointAt(i);
  return cp ?? s.charCodeAt(i);
}

const ASCII_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** Python `json` string encoding with `ensure_ascii=True`: every char outside space..~ as `\uxxxx`. */
export function pyStringAscii(s: string): string {
  let out = '"';
  let chunk = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(chunk, i);
    const ch = s[i] as string;
    out += ASCII_ESCAPES[ch] ?? `\\u${c.toString(16).padStart(4, '0')}`;
    chunk = i + 1;
  }
  return `${out}${s.slice(chunk)}"`;
}

const UNICODE_ESCAPES: Record<string, string> = { ...ASCII_ESCAPES };

/** Python `json` string encoding with `ensure_ascii=False` (Starlette's JSONResponse). */
function pyStringUnicode(s: string): string {
  let out = '"';
  let chunk = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(chunk, i);
    const ch = s[i] as string;
    out += UNICODE_ESCAPES[ch] ?? `\\u${c.toString(16).padStart(4, '0')}`;
    chunk = i + 1;
  }
  return `${out}${s.slice(chunk)}"`;
}

/** Thrown where Python's `json.dumps(allow_nan=False)` raises ValueError. */
export class PyNanError extends Error {}

/**
 * `json.dumps(v, sort_keys=True, default=str)` with its default separators `", "` / `": "` and
 * `ensure_ascii=True`: the server's hash preimage.
 */
export function dumpsSorted(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number') return numberRepr(v);
  if (typeof v === 'string') return pyStringAscii(v);
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (v instanceof PyInt) return v.value.toString();
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(dumpsSorted).join(', ')}]`;
  if (typeof v === 'object') {
    const keys = Object.keys(v).sort(compareCodePoints);
    const rec = v as Record<string, unknown>;
    return `{${keys.map((k) => `${pyStringAscii(k)}: ${dumpsSorted(rec[k])}`).join(', ')}}`;
  }
  return pyStringAscii(String(v)); // default=str
}

/**
 * Starlette's `JSONResponse` body: `json.dumps(v, ensure_ascii=False, allow_nan=False, separators=(",", ":"))`,
 * insertion order kept. Throws `PyNanError` where Python would raise (the server then answers a plain 500).
 */
export function dumpsCompact(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new PyNanError('Out of range float values are not JSON compliant');
    return numberRepr(v);
  }
  if (typeof v === 'string') return pyStringUnicode(v);
  if (v instanceof PyFloat) {
    if (!Number.isFinite(v.value)) throw new PyNanError('Out of range float values are not JSON compliant');
    return pyFloatRepr(v.value);
  }
  if (v instanceof PyInt) return v.value.toString();
  if (Array.isArray(v)) return `[${v.map(dumpsCompact).join(',')}]`;
  if (typeof v === 'object') {
    const rec = v as Record<string, unknown>;
    const parts: string[] = [];
    for (const k of Object.keys(rec)) {
      if (rec[k] === undefined) continue;
      parts.push(`${pyStringUnicode(k)}:${dumpsCompact(rec[k])}`);
    }
    return `{${parts.join(',')}}`;
  }
  return pyStringUnicode(String(v));
}

/** Python `repr(str)` (used in exception texts such as `'user' is not a valid AuthorRole`). */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0xd800 && c <= 0xdfff) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + quote;
}
