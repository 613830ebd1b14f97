import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bufferSource,
  FILE_START,
  openFileSource,
  positionAfter,
  readLines,
} from '../../src/reader/index.js';
import { needs } from '../support/shared.js';
import {
  completeLines,
  drain,
  drainFile,
  EDGE_CASES,
  ONE_MB_LINE_FILE,
  tempDir,
  tempFile,
} from './helpers.js';

const corpus = needs('corpus');

const texts = (file: string, opts?: { bufferSize?: number }) =>
  drainFile(file, FILE_START, opts).lines.map((l) => l.text);

describe('readLines', () => {
  it('yields complete lines with exact offsets and 1-based numbers', () => {
    const file = tempFile('{"a":1}\n{"b":22}\n');
    const { lines, end } = drainFile(file, FILE_START);
    expect(
      lines.map(({ lineNo, offset, nextOffset, text }) => ({ lineNo, offset, nextOffset, text })),
    ).toEqual([
      { lineNo: 1, offset: 0, nextOffset: 8, text: '{"a":1}' },
      { lineNo: 2, offset: 8, nextOffset: 17, text: '{"b":22}' },
    ]);
    expect(end).toEqual({ offset: 17, lineNo: 3, heldBackBytes: 0 });
  });

  corpus.it(
    'holds back a torn tail until its newline arrives (corpus file appended one byte at a time)',
    () => {
      const full = fs.readFileSync(EDGE_CASES);
      const expected = completeLines(full);
      const file = path.join(tempDir(), 'growing.jsonl');
      fs.writeFileSync(file, '');
      const seen: { bytes: Buffer; lineNo: number; atSize: number }[] = [];
      let pos = FILE_START;
      for (let size = 1; size <= full.length; size++) {
        fs.appendFileSync(file, full.subarray(size - 1, size));
        const { lines, end } = drainFile(file, pos, { bufferSize: 64 });
        for (const l of lines) seen.push({ bytes: l.bytes, lineNo: l.lineNo, atSize: size });
        expect(end.offset + end.heldBackBytes).toBe(size);
        pos = end;
      }
      expect(seen.map((s) => s.bytes)).toEqual(expected);
      expect(seen.map((s) => s.lineNo)).toEqual(expected.map((_, i) => i + 1));
      // Each line appears exactly when the byte that completes it (its \n) is appended, never earlier.
      let lineEnd = 0;
      for (const [i, s] of seen.entries()) {
        lineEnd += (expected[i]?.length ?? 0) + 1;
        expect(s.atSize).toBe(lineEnd);
      }
      // edge_cases.jsonl ends without \n (E5): the last record stays held back.
      expect(full.at(-1)).not.toBe(0x0a);
      expect(drainFile(file, pos).end.heldBackBytes).toBe(full.length - lineEnd);
    },
  );

  it('strips a BOM from line 1 without shifting offsets (E3)', () => {
    const file = tempFile(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n{"b":2}\n')]),
    );
    const { lines } = drainFile(file, FILE_START);
    expect(lines[0]).toMatchObject({ offset: 0, nextOffset: 11, text: '{"a":1}' });
    expect(lines[0]?.bytes.equals(Buffer.from('{"a":1}'))).toBe(true);
    expect(lines[1]).toMatchObject({ offset: 11, nextOffset: 19, text: '{"b":2}' });
  });

  it('keeps BOM bytes that are not at offset 0', () => {
    const file = tempFile('x\n\uFEFFy\n');
    expect(texts(file)).toEqual(['x', '\uFEFFy']);
  });

  it('drops one trailing \\r per line but counts it in offsets (E4 CRLF)', () => {
    const file = tempFile('{"a":1}\r\n{"b":2}\r\r\n\r\n');
    const { lines, end } = drainFile(file, FILE_START);
    expect(lines.map((l) => [l.offset, l.nextOffset, l.text, l.blank])).toEqual([
      [0, 9, '{"a":1}', false],
      [9, 19, '{"b":2}\r', false],
      [19, 21, '', true],
    ]);
    expect(end.offset).toBe(21);
  });

  it('never splits on \\r alone or on U+2028/U+2029 inside strings', () => {
    const record = '{"t":"a\u2028b\u2029c"}';
    const file = tempFile(`${record}\nx\ry\n`);
    const { lines } = drainFile(file, FILE_START, { bufferSize: 3 });
    expect(lines.map((l) => l.text)).toEqual([record, 'x\ry']);
    expect(lines[1]?.offset).toBe(Buffer.byteLength(record) + 1);
    expect(JSON.parse(lines[0]?.text ?? '')).toEqual({ t: 'a\u2028b\u2029c' });
  });

  it('marks blank lines (spaces, tabs, \\r, empty) and still yields them', () => {
    const file = tempFile('\n  \t\n{"a":1}\n \r\n');
    expect(drainFile(file, FILE_START).lines.map((l) => l.blank)).toEqual([true, true, false, true]);
  });

  it('reads a 1.2 MB line with a 64 KiB buffer (no line-length cap, E6)', () => {
    const big = `{"data":"${'x'.repeat(1_200_000)}"}`;
    const file = tempFile(`{"a":1}\n${big}\n{"b":2}\ntorn`);
    const { lines, end } = drainFile(file, FILE_START, { bufferSize: 64 * 1024 });
    expect(lines.map((l) => l.bytes.length)).toEqual([7, big.length, 7]);
    expect(lines[1]?.text).toBe(big);
    expect(lines[2]).toMatchObject({ offset: 8 + big.length + 1, text: '{"b":2}' });
    expect(end.heldBackBytes).toBe(4);
  });

  corpus.it('reads the real 1 MB-line corpus file identically with small and default buffers', () => {
    const full = fs.readFileSync(ONE_MB_LINE_FILE);
    const expected = completeLines(full);
    for (const bufferSize of [4096, 64 * 1024, undefined]) {
      const { lines, end } = drainFile(ONE_MB_LINE_FILE, FILE_START, bufferSize ? { bufferSize } : {});
      expect(lines).toHaveLength(expected.length);
      expect(Math.max(...lines.map((l) => l.bytes.length))).toBe(1_046_940);
      for (const [i, l] of lines.entries()) {
        expect(l.bytes.equals(expected[i] ?? Buffer.alloc(0))).toBe(true);
        expect(() => JSON.parse(l.text)).not.toThrow();
      }
      expect(end).toEqual({ offset: full.length, lineNo: expected.length + 1, heldBackBytes: 0 });
    }
  });

  corpus.it('resumes from a mid-file checkpoint with the same lines and numbers as a full pass', () => {
    const all = drainFile(EDGE_CASES, FILE_START).lines;
    const k = 7;
    const resumed = drainFile(EDGE_CASES, positionAfter(all[k - 1]!), { bufferSize: 100 }).lines;
    expect(resumed.map((l) => [l.lineNo, l.offset, l.nextOffset, l.text])).toEqual(
      all.slice(k).map((l) => [l.lineNo, l.offset, l.nextOffset, l.text]),
    );
  });

  it('stops at the size captured when the source was opened', () => {
    const file = tempFile('{"a":1}\n');
    const src = openFileSource(file);
    try {
      fs.appendFileSync(file, '{"b":2}\n');
      expect(drain(src, FILE_START).lines.map((l) => l.text)).toEqual(['{"a":1}']);
    } finally {
      src.close();
    }
  });

  it('stops cleanly when the file shrinks under an open source', () => {
    const file = tempFile('{"a":1}\n{"b":2}\n{"c":3}\n');
    const src = openFileSource(file);
    try {
      fs.truncateSync(file, 12);
      const { lines, end } = drain(src, FILE_START, { bufferSize: 4 });
      expect(lines.map((l) => l.text)).toEqual(['{"a":1}']);
      expect(end.offset).toBe(8);
    } finally {
      src.close();
    }
  });

  it('keeps yielded bytes intact after the buffer is reused', () => {
    const lines = drain(bufferSource(Buffer.from('aaaa\nbbbb\ncccc\n')), FILE_START, { bufferSize: 5 }).lines;
    expect(lines.map((l) => l.bytes.toString())).toEqual(['aaaa', 'bbbb', 'cccc']);
  });

  it('rejects a start past the end, a 0-based lineNo and a bad buffer size', () => {
    const src = bufferSource(Buffer.from('a\n'));
    expect(() => readLines(src, { offset: 3, lineNo: 1 }).next()).toThrow(/outside the source \(size 2\)/);
    expect(() => readLines(src, { offset: 0, lineNo: 0 }).next()).toThrow(/1-based/);
    expect(() => readLines(src, FILE_START, { bufferSize: 0 }).next()).toThrow(/bufferSize/);
    expect(drain(src, { offset: 2, lineNo: 2 }).end).toEqual({ offset: 2, lineNo: 2, heldBackBytes: 0 });
  });

  it('yields nothing for an empty file', () => {
    expect(drainFile(tempFile(''), FILE_START)).toEqual({
      lines: [],
      end: { offset: 0, lineNo: 1, heldBackBytes: 0 },
    });
  });
});
