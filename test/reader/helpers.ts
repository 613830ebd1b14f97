/** Shared helpers for reader tests: temp dirs, corpus paths, draining a reader pass, a hand-made zstd frame. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import type { ByteSource, LinePosition, RawLine, ReadEnd, ReadLinesOptions } from '../../src/reader/index.js';
import { openFileSource, readLines } from '../../src/reader/index.js';

const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
export const corpusPath = (rel: string): string => path.join(CORPUS, rel);

export const EDGE_CASES = corpusPath('claude-code-log/test/test_data/edge_cases.jsonl');
export const ONE_MB_LINE_FILE = corpusPath(
  'claude-code-log/test/test_data/real_projects/-Users-dain-workspace-claude-code-log-sample/0d3a8e6f-290f-4105-a327-a2496e5e2a83.jsonl',
);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh temp dir removed after the current test. */
export function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-reader-'));
  dirs.push(d);
  return d;
}

/** Writes `content` to a new temp file and returns its path. */
export function tempFile(content: string | Uint8Array, name = 'log.jsonl'): string {
  const p = path.join(tempDir(), name);
  fs.writeFileSync(p, content);
  return p;
}

/** Runs one reader pass to completion, returning the yielded lines and the generator's return value. */
export function drain(
  src: ByteSource,
  start: LinePosition,
  opts?: ReadLinesOptions,
): { lines: RawLine[]; end: ReadEnd } {
  const lines: RawLine[] = [];
  const gen = readLines(src, start, opts);
  for (;;) {
    const r = gen.next();
    if (r.done) return { lines, end: r.value };
    lines.push(r.value);
  }
}

/** Opens `file`, drains one pass from `start`, closes. */
export function drainFile(file: string, start: LinePosition, opts?: ReadLinesOptions) {
  const src = openFileSource(file);
  try {
    return drain(src, start, opts);
  } finally {
    src.close();
  }
}

/**
 * The simplest valid zstd frame (RFC 8878 §3.1.1): magic, a single-segment header with a 4-byte content
 * size, then raw (stored) blocks of at most 128 KiB, the last one flagged. Any conforming decoder must
 * return `data` unchanged, so this exercises our zstd source without needing the `zstd` binary.
 */
export function rawZstdFrame(data: Uint8Array): Buffer {
  const MAX_BLOCK = 128 * 1024;
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd])];
  const header = Buffer.alloc(5);
  header[0] = 0b1010_0000; // Frame_Content_Size_Flag = 2 (4 bytes), Single_Segment_Flag = 1, no checksum/dict
  header.writeUInt32LE(data.length, 1);
  parts.push(header);
  let pos = 0;
  do {
    const size = Math.min(MAX_BLOCK, data.length - pos);
    const last = pos + size >= data.length ? 1 : 0;
    const blockHeader = (size << 3) | (0 << 1) | last; // Block_Type 0 = Raw_Block
    parts.push(Buffer.from([blockHeader & 0xff, (blockHeader >> 8) & 0xff, (blockHeader >> 16) & 0xff]));
    parts.push(Buffer.from(data.subarray(pos, pos + size)));
    pos += size;
  } while (pos < data.length);
  return Buffer.concat(parts);
}

/** Splits content the reference way: every complete `\n`-terminated line, as raw bytes (without `\n`). */
export function completeLines(content: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (let nl = content.indexOf(0x0a); nl !== -1; nl = content.indexOf(0x0a, from)) {
    out.push(content.subarray(from, nl));
    from = nl + 1;
  }
  return out;
}
