/**
 * Property tests for readLines offsets: random lines (with \r, multibyte UTF-8, U+2028, empty), optional BOM,
 * optional torn tail, written to a real file in random-sized appends and read incrementally from each
 * returned checkpoint with a random buffer size.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LinePosition, RawLine } from '../../src/reader/index.js';
import { FILE_START } from '../../src/reader/index.js';
import { drainFile, tempDir } from './helpers.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const chunk = fc.constantFrom(
  '\uFEFF',
  'a',
  '{"k":1}',
  ' ',
  '\t',
  '\r',
  'é',
  '€',
  '😀',
  '\u2028',
  '\u2029',
  '"',
  '\\',
);
const lineArb = fc.array(chunk, { maxLength: 12 }).map((cs) => cs.join(''));

const scenario = fc.record({
  lines: fc.array(lineArb, { maxLength: 25 }),
  bom: fc.boolean(),
  tail: lineArb, // bytes after the last \n: a torn (or unterminated) last line
  bufferSize: fc.integer({ min: 1, max: 48 }),
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
});

/** What a line should look like after the reader: one trailing \r dropped. */
const expectedText = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);

/**
 * The model: line 1 loses a leading U+FEFF when the file itself starts with one (our added BOM, or a line
 * that happens to begin with U+FEFF: the reader cannot and need not tell them apart). Returns the expected
 * texts and the byte prefix that is stripped from line 1.
 */
function model(lines: string[], bom: boolean): { texts: string[]; strippedHead: Buffer } {
  const texts = lines.map(expectedText);
  if (bom) return { texts, strippedHead: BOM };
  if (texts[0]?.startsWith('\uFEFF')) {
    texts[0] = texts[0].slice(1);
    return { texts, strippedHead: BOM };
  }
  return { texts, strippedHead: Buffer.alloc(0) };
}

describe('readLines offsets (property)', () => {
  it('yields every complete line exactly once, with exact offsets, across incremental appends', () => {
    const dir = tempDir();
    let run = 0;
    fc.assert(
      fc.property(scenario, ({ lines, bom, tail, bufferSize, cuts }) => {
        const body = Buffer.from(lines.map((l) => `${l}\n`).join('') + tail);
        const content = bom ? Buffer.concat([BOM, body]) : body;
        const sizes = [...cuts.map((c) => Math.floor(c * content.length)), content.length].sort(
          (a, b) => a - b,
        );

        const file = path.join(dir, `p${run++}.jsonl`);
        fs.writeFileSync(file, '');
        let written = 0;
        let pos: LinePosition = FILE_START;
        const got: RawLine[] = [];
        for (const size of sizes) {
          fs.appendFileSync(file, content.subarray(written, size));
          written = size;
          const { lines: batch, end } = drainFile(file, pos, { bufferSize });
          // Only lines whose \n is inside the bytes written so far; the rest is held back, not lost.
          for (const l of batch) expect(l.nextOffset).toBeLessThanOrEqual(size);
          expect(end.offset + end.heldBackBytes).toBe(size);
          expect(content.subarray(end.offset, size).includes(0x0a)).toBe(false);
          got.push(...batch);
          pos = end;
        }
        fs.rmSync(file);

        // Exactly once, in order, numbered 1..n.
        const { texts, strippedHead } = model(lines, bom);
        expect(got.map((l) => l.text)).toEqual(texts);
        expect(got.map((l) => l.lineNo)).toEqual(lines.map((_, i) => i + 1));
        // Offsets are contiguous real file offsets, and bytes + stripped parts + \n rebuild the file exactly.
        const rebuilt: Buffer[] = [];
        let offset = 0;
        for (const [i, l] of got.entries()) {
          const src = lines[i] ?? '';
          expect(l.offset).toBe(offset);
          expect(l.bytes.equals(Buffer.from(texts[i] ?? ''))).toBe(true);
          expect(l.blank).toBe(/^[ \t\r]*$/.test(texts[i] ?? ''));
          if (offset === 0) rebuilt.push(strippedHead);
          rebuilt.push(l.bytes, Buffer.from(src.endsWith('\r') ? '\r\n' : '\n'));
          offset = l.nextOffset;
        }
        const lastNl = content.lastIndexOf(0x0a) + 1;
        expect(offset).toBe(lastNl);
        expect(Buffer.concat(rebuilt).equals(content.subarray(0, lastNl))).toBe(true);
        expect(pos).toMatchObject({ offset: lastNl, lineNo: lines.length + 1 });
      }),
      { numRuns: 300 },
    );
  });
});
