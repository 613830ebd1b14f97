/**
 * Small total functions over `unknown` JSON. Rollouts have no published schema and redacting exporters replace
 * objects with strings, so every read goes through these guards instead of casts.
 */
import { createHash } from 'node:crypto';
import { jsonText } from '../../reader/index.js';

import { isObj, nonEmpty, num, type Obj, str } from '../json-values.js';

export { isObj, nonEmpty, num, type Obj, str };

export function field(v: unknown, key: string): unknown {
  return isObj(v) ? v[key] : undefined;
}

/**
 * JSON text that never throws: BigInt or cyclic values cannot come from JSON.parse, but the parser is
 * also fed hand-built objects in tests, and a crash here would lose the whole record. Valid JSON nested
 * deeper than `JSON.stringify` can recurse is written by `jsonText` without the stack; the old `String(v)`
 * fallback gave every deep payload the same content key (`[object Object]`).
 */
export function safeJson(v: unknown): string {
  try {
    return jsonText(v);
  } catch {
    return String(v);
  }
}

/**
 * Content key of one message: the record's type and payload (never its timestamp or ordinal, which differ in
 * a replayed copy) plus the part index, so a forked file's replay of a record hashes like the original.
 */
export function contentKey(recordType: string, payload: unknown, partIndex: number): string {
  const h = createHash('sha256');
  h.update(`${recordType}\n${safeJson(payload)}\n${partIndex}`);
  return h.digest('hex').slice(0, 24);
}

/** Texts of content items (`input_text`, `output_text`, `text`, `summary_text`, `reasoning_text`, …). */
export function itemTexts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  const out: string[] = [];
  for (const item of content) {
    const t = str(field(item, 'text'));
    if (t !== null) out.push(t);
  }
  return out;
}

/** True for content items that stand for an image, which we show as a placeholder rather than drop. */
export function isImageItem(item: unknown): boolean {
  const t = str(field(item, 'type'));
  return t === 'input_image' || t === 'image' || t === 'output_image';
}
