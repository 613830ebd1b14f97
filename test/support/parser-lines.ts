import type { LineInput } from '../../src/parsers/types.js';

/** Literal records as consecutive lines of one file: 1-based line numbers and the byte offsets JSONL gives. */
export function linesFrom(records: unknown[]): LineInput[] {
  let offset = 0;
  return records.map((json, i) => {
    const line = { lineNo: i + 1, offset, json };
    offset += Buffer.byteLength(JSON.stringify(json)) + 1;
    return line;
  });
}
