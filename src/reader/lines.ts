/**
 * Incremental JSONL line reader over a `ByteSource`.
 *
 * Invariants (what ingest/ may rely on):
 * - Only `\n` (0x0A) ends a line. `\r`, U+2028/U+2029 and everything else are line content
 *   (log-formats.md §1: JSON strings may contain U+2028; a universal-newline reader corrupts records).
 * - A line is yielded only once its `\n` has been read. Bytes after the last `\n` (a torn tail, E1, or a
 *   complete last record whose newline is not written yet, E5) are never yielded: the checkpoint stays at
 *   the last complete line and the next pass re-reads the tail. The generator's return value says how many
 *   such bytes were held back.
 * - `offset` and `nextOffset` are real byte offsets in the source. A BOM on the first line (E3) and a
 *   trailing `\r` (E4) are dropped from `bytes`/`text` only; they still count in the offsets, so a
 *   checkpoint taken from `nextOffset` never drifts (the reference parsers drift 1 byte per CRLF line).
 * - Reads stop at `src.size` as captured at open, so one pass is bounded even if the file keeps growing.
 * - Memory: one reusable buffer (default 1 MiB) that grows only while a single line does not fit in it
 *   (there is no line-length cap: real lines reach 1 MB, E6) and shrinks back after that line is consumed.
 *   Each yielded `bytes` is a fresh copy the caller may keep.
 */
import type { ByteSource } from './source.js';

export const DEFAULT_BUFFER_SIZE = 1024 * 1024;

/** Where a pass starts: the byte offset of a line start and that line's 1-based number. */
export interface LinePosition {
  offset: number;
  /** 1-based number of the line that starts at `offset` (the first line of a file is 1). */
  lineNo: number;
}

/** The start of a file. */
export const FILE_START: LinePosition = Object.freeze({ offset: 0, lineNo: 1 });

export interface RawLine {
  /** 1-based line number. */
  lineNo: number;
  /** Byte offset of the line start. */
  offset: number;
  /** Byte offset just after this line's `\n`: the checkpoint once this line is stored. */
  nextOffset: number;
  /** The line without its `\n`, without one trailing `\r`, and without a UTF-8 BOM when `offset === 0`. */
  bytes: Buffer;
  /** `bytes` decoded as UTF-8 (invalid sequences become U+FFFD; keep `bytes` for lossless storage). */
  text: string;
  /** Only spaces, tabs and `\r` (or nothing). */
  blank: boolean;
}

/** Returned by `readLines` when it runs to completion. */
export interface ReadEnd extends LinePosition {
  /** Bytes after `offset` that were not yielded because no `\n` ends them yet (torn or unterminated tail). */
  heldBackBytes: number;
}

export interface ReadLinesOptions {
  /** Initial buffer size in bytes (≥ 1). Default 1 MiB. */
  bufferSize?: number;
}

/** The position right after `line`: what to store as the checkpoint once `line` is committed. */
export function positionAfter(line: RawLine): LinePosition {
  return { offset: line.nextOffset, lineNo: line.lineNo + 1 };
}

const LF = 0x0a;
const CR = 0x0d;

export function* readLines(
  src: ByteSource,
  start: LinePosition,
  opts: ReadLinesOptions = {},
): Generator<RawLine, ReadEnd, undefined> {
  const bufferSize = opts.bufferSize ?? DEFAULT_BUFFER_SIZE;
  checkArgs(src, start, bufferSize);
  const end = src.size;

  let buf = Buffer.allocUnsafe(Math.max(1, Math.min(bufferSize, end - start.offset)));
  let bufPos = start.offset; // file offset of buf[0]
  let len = 0; // valid bytes in buf
  let lineStart = 0; // index in buf where the current (unfinished) line starts
  let scanFrom = 0; // bytes before this index were already searched for \n
  let lineNo = start.lineNo;

  for (;;) {
    // buf may hold stale bytes past `len` (allocUnsafe, compaction), so a hit there counts as a miss.
    const nl = buf.indexOf(LF, scanFrom);
    if (nl !== -1 && nl < len) {
      yield makeLine(buf, lineStart, nl, bufPos + lineStart, lineNo);
      lineNo += 1;
      lineStart = nl + 1;
      scanFrom = lineStart;
      continue;
    }
    scanFrom = len;
    const readPos = bufPos + len;
    if (readPos >= end) break;

    // Drop consumed lines so the buffer holds only the unfinished one, then make room to read.
    if (lineStart > 0) {
      const keep = len - lineStart;
      if (buf.length > bufferSize && keep < bufferSize) {
        const smaller = Buffer.allocUnsafe(bufferSize); // a huge line is done: give its memory back
        buf.copy(smaller, 0, lineStart, len);
        buf = smaller;
      } else {
        buf.copy(buf, 0, lineStart, len);
      }
      bufPos += lineStart;
      scanFrom -= lineStart;
      len = keep;
      lineStart = 0;
    }
    if (len === buf.length) {
      // One line fills the whole buffer: grow (never past what the source can still supply).
      const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, len + (end - readPos)));
      buf.copy(bigger, 0, 0, len);
      buf = bigger;
    }
    const n = src.read(buf, len, Math.min(buf.length - len, end - readPos), readPos);
    if (n <= 0) break; // the file shrank under us; what is left is not a complete line
    len += n;
  }
  const offset = bufPos + lineStart;
  return { offset, lineNo, heldBackBytes: bufPos + len - offset };
}

function checkArgs(src: ByteSource, start: LinePosition, bufferSize: number): void {
  if (!Number.isSafeInteger(bufferSize) || bufferSize < 1) {
    throw new RangeError(`readLines: bufferSize must be a positive integer, got ${bufferSize}`);
  }
  if (!Number.isSafeInteger(start.lineNo) || start.lineNo < 1) {
    // lineNo is the number of the line AT offset, not the count of lines before it: catch that mix-up.
    throw new RangeError(
      `readLines: start.lineNo is 1-based (the line at start.offset), got ${start.lineNo}`,
    );
  }
  if (!Number.isSafeInteger(start.offset) || start.offset < 0 || start.offset > src.size) {
    // Past the end means the file was truncated or replaced: a named outcome the caller must decide on.
    throw new RangeError(`readLines: start.offset ${start.offset} is outside the source (size ${src.size})`);
  }
}

function makeLine(buf: Buffer, from: number, lf: number, offset: number, lineNo: number): RawLine {
  let a = from;
  let b = lf;
  if (b > a && buf[b - 1] === CR) b -= 1;
  if (offset === 0 && b - a >= 3 && buf[a] === 0xef && buf[a + 1] === 0xbb && buf[a + 2] === 0xbf) a += 3;
  const bytes = Buffer.from(buf.subarray(a, b)); // a copy: buf is reused for the next read
  return {
    lineNo,
    offset,
    nextOffset: offset + (lf - from) + 1,
    bytes,
    text: bytes.toString('utf8'),
    blank: isBlank(bytes),
  };
}

function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) {
    if (b !== 0x20 && b !== 0x09 && b !== CR) return false;
  }
  return true;
}
