/**
 * Hostile versions of real log lines, as fast-check arbitraries (issue 4 item 3).
 *
 * Every mutation starts from a real line of the corpus (Claude Code or Codex) and damages it one way:
 * truncation, byte flips, deep nesting (10,000 levels inside one field), a multi-megabyte string, a wrong type
 * in one field, invalid UTF-8, NUL bytes. A mutation is a plain description (`Mutation`), applied by
 * {@link applyMutation}, so a failing case prints what was done to which line and can be replayed.
 *
 * Mutated bytes never contain `\n`: a mutant is one line of a JSONL file (a flipped byte that would become
 * `\n` becomes `\v`), so the end-to-end tests can tell exactly which line numbers are hostile.
 */
import fc from 'fast-check';

export interface SourceLine {
  /** Corpus file the line comes from (for messages). */
  file: string;
  assistant: 'claude' | 'codex';
  /** The line's bytes, without its `\n`. */
  bytes: Buffer;
}

/** The seven kinds of damage; `wrong-type` replaces one field's value by a value of another JSON type. */
export const MUTATION_KINDS = [
  'truncate',
  'byte-flip',
  'deep-nesting',
  'huge-string',
  'wrong-type',
  'invalid-utf8',
  'nul-bytes',
] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

/** The JSON types a field is replaced with, in the order the exhaustive walk uses. */
export const WRONG_VALUES = ['null', 'number', 'string', 'array', 'object', 'boolean'] as const;
export type WrongValue = (typeof WRONG_VALUES)[number];

export type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'byte-flip'; flips: { at: number; xor: number }[] }
  | { kind: 'deep-nesting'; field: number; depth: number; shape: 'array' | 'object' }
  | { kind: 'huge-string'; field: number; bytes: number }
  | { kind: 'wrong-type'; field: number; value: WrongValue }
  | { kind: 'invalid-utf8'; at: number; seq: number }
  | { kind: 'nul-bytes'; at: number; raw: boolean; count: number };

/** Byte sequences that are not valid UTF-8: stray continuation, overlong, surrogate, truncated, > U+10FFFF. */
export const INVALID_UTF8: readonly number[][] = [
  [0x80],
  [0xff],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0xf4, 0x90, 0x80, 0x80],
  [0xc3, 0x28],
];

export interface MutationSizes {
  /** Nesting depth of the deep-nesting mutation. */
  depth: number;
  /** Range of the huge string's length in bytes. */
  hugeMin: number;
  hugeMax: number;
}

export const DEFAULT_SIZES: MutationSizes = { depth: 10_000, hugeMin: 1 << 20, hugeMax: 4 << 20 };

/** An arbitrary mutation; positions and field numbers are fractions resolved against the line when applied. */
export function mutationArb(sizes: MutationSizes = DEFAULT_SIZES): fc.Arbitrary<Mutation> {
  const pos = fc.nat({ max: 1_000_000 });
  return fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), at: pos }),
    fc.record({
      kind: fc.constant('byte-flip' as const),
      flips: fc.array(fc.record({ at: pos, xor: fc.integer({ min: 1, max: 255 }) }), {
        minLength: 1,
        maxLength: 8,
      }),
    }),
    fc.record({
      kind: fc.constant('deep-nesting' as const),
      field: pos,
      depth: fc.constant(sizes.depth),
      shape: fc.constantFrom('array' as const, 'object' as const),
    }),
    fc.record({
      kind: fc.constant('huge-string' as const),
      field: pos,
      bytes: fc.integer({ min: sizes.hugeMin, max: sizes.hugeMax }),
    }),
    fc.record({
      kind: fc.constant('wrong-type' as const),
      field: pos,
      value: fc.constantFrom(...WRONG_VALUES),
    }),
    fc.record({
      kind: fc.constant('invalid-utf8' as const),
      at: pos,
      seq: fc.nat({ max: INVALID_UTF8.length - 1 }),
    }),
    fc.record({
      kind: fc.constant('nul-bytes' as const),
      at: pos,
      raw: fc.boolean(),
      count: fc.integer({ min: 1, max: 4 }),
    }),
  );
}

/** A path to one value inside a parsed record (object keys and array indexes). */
export type FieldPath = (string | number)[];

/** Every value position in `value` (containers and leaves), in document order, without recursion. */
export function fieldPaths(value: unknown, limit = 100_000): FieldPath[] {
  const out: FieldPath[] = [];
  const stack: [unknown, FieldPath][] = [[value, []]];
  while (stack.length > 0 && out.length < limit) {
    const [v, p] = stack.pop()!;
    if (p.length > 0) out.push(p);
    const children: [unknown, FieldPath][] = [];
    if (Array.isArray(v)) for (const [i, c] of v.entries()) children.push([c, [...p, i]]);
    else if (typeof v === 'object' && v !== null)
      for (const [k, c] of Object.entries(v)) children.push([c, [...p, k]]);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return out;
}

/** A marker string no real line contains, replaced in the JSON text by the (unstringifiable) deep value. */
const HOLE = '\u0001__aiobscura_hostile_hole__\u0001';

function setAt(root: unknown, p: FieldPath, value: unknown): void {
  let v = root as Record<string | number, unknown>;
  for (const k of p.slice(0, -1)) v = v[k] as Record<string | number, unknown>;
  v[p[p.length - 1]!] = value;
}

export function wrongValue(kind: WrongValue): unknown {
  switch (kind) {
    case 'null':
      return null;
    case 'number':
      return -1.5e308;
    case 'string':
      return 'hostile \u2028 string';
    case 'array':
      return [1, 'x', null];
    case 'object':
      return { unexpected: { nested: true } };
    case 'boolean':
      return true;
    default:
      return kind satisfies never;
  }
}

/** The record with the value at `p` replaced, as a line; `rawValue` is inserted as JSON text verbatim. */
export function replaceField(record: unknown, p: FieldPath, value: unknown, rawValue?: string): Buffer {
  const copy = JSON.parse(JSON.stringify(record)) as unknown;
  setAt(copy, p, rawValue === undefined ? value : HOLE);
  const text = JSON.stringify(copy);
  return Buffer.from(rawValue === undefined ? text : text.replace(JSON.stringify(HOLE), rawValue), 'utf8');
}

function noNewlines(buf: Buffer): Buffer {
  for (let i = 0; i < buf.length; i++) if (buf[i] === 0x0a) buf[i] = 0x0b;
  return buf;
}

function parseObject(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function insertBytes(line: Buffer, at: number, bytes: number[] | Buffer): Buffer {
  const i = at % (line.length + 1);
  return Buffer.concat([line.subarray(0, i), Buffer.from(bytes), line.subarray(i)]);
}

/** The mutated line. Mutations of a field fall back to the whole record when the line has no fields. */
export function applyMutation(line: Buffer, m: Mutation): Buffer {
  switch (m.kind) {
    case 'truncate':
      return Buffer.from(line.subarray(0, line.length <= 1 ? 0 : 1 + (m.at % (line.length - 1))));
    case 'byte-flip': {
      const out = Buffer.from(line);
      for (const f of m.flips) {
        const j = f.at % Math.max(1, out.length);
        if (j < out.length) out[j] = (out[j] as number) ^ f.xor;
      }
      return noNewlines(out);
    }
    case 'invalid-utf8':
      return insertBytes(line, m.at, INVALID_UTF8[m.seq]!);
    case 'nul-bytes': {
      if (m.raw) return insertBytes(line, m.at, new Array<number>(m.count).fill(0));
      // Valid JSON: `\u0000` escapes inside a string value (a NUL the server cannot store).
      const record = parseObject(line);
      const strings = fieldPaths(record).filter((p) => typeof valueAt(record, p) === 'string');
      if (strings.length === 0) return insertBytes(line, m.at, Buffer.from('\\u0000'.repeat(m.count)));
      const p = strings[m.at % strings.length]!;
      const s = valueAt(record, p) as string;
      const i = m.at % (s.length + 1);
      return replaceField(record, p, `${s.slice(0, i)}${'\u0000'.repeat(m.count)}${s.slice(i)}`);
    }
    case 'deep-nesting':
    case 'huge-string':
    case 'wrong-type': {
      const record = parseObject(line);
      const paths = fieldPaths(record);
      const p = paths.length > 0 ? paths[m.field % paths.length]! : null;
      if (m.kind === 'deep-nesting') {
        const raw =
          m.shape === 'array'
            ? `${'['.repeat(m.depth)}${']'.repeat(m.depth)}`
            : `${'{"d":'.repeat(m.depth)}0${'}'.repeat(m.depth)}`;
        return p ? replaceField(record, p, null, raw) : Buffer.from(raw);
      }
      if (m.kind === 'huge-string') {
        const huge = `${'x'.repeat(Math.max(0, m.bytes - 64))} end of a huge string`;
        return p ? replaceField(record, p, huge) : Buffer.from(JSON.stringify({ huge }));
      }
      return p
        ? replaceField(record, p, wrongValue(m.value))
        : Buffer.from(JSON.stringify(wrongValue(m.value)));
    }
    default:
      return m satisfies never;
  }
}

export function valueAt(root: unknown, p: FieldPath): unknown {
  let v = root;
  for (const k of p) v = (v as Record<string | number, unknown>)[k];
  return v;
}

/** Short description for reports: `wrong-type message.content[0].id=number`. */
export function describeMutation(line: Buffer, m: Mutation): string {
  const fieldName = (n: number) => {
    const paths = fieldPaths(parseObject(line));
    const p = paths.length > 0 ? paths[n % paths.length]! : [];
    return p.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('') || '(record)';
  };
  switch (m.kind) {
    case 'deep-nesting':
      return `deep-nesting ${fieldName(m.field)} ${m.depth}-deep ${m.shape}`;
    case 'huge-string':
      return `huge-string ${fieldName(m.field)} ${m.bytes} bytes`;
    case 'wrong-type':
      return `wrong-type ${fieldName(m.field)}=${m.value}`;
    default:
      return `${m.kind} ${JSON.stringify(m)}`;
  }
}
