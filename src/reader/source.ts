/**
 * Byte sources: the only place reader/ touches the file system.
 *
 * A `ByteSource` is a fixed-size, positionally readable byte range. `size` is captured once, at open: a
 * reader never reads past it, so bytes appended while we read are left for the next pass (their checkpoint
 * is then exact), and a file that grows mid-read cannot make one pass unbounded.
 *
 * Live logs are read with positional `readSync` calls into the caller's buffer (never a whole-file read;
 * STYLE.md rule 4, ccusage #460/#706). `.jsonl.zst` files are immutable cold copies (Codex
 * `archived_sessions/`, log-formats.md E20); zstd has no cheap random access, so they are decompressed once
 * with fzstd and served from memory. This is the one deliberate exception to "never load a log whole".
 */
import fs from 'node:fs';
import { decompress } from 'fzstd';
import { SourceDecodeError } from './errors.js';
import { renderGeminiJson } from './gemini-json-source.js';
import { openCodeFilesOf, renderOpenCodeFiles } from './opencode-files.js';
import { openCodeSessionOf, renderOpenCodeSession } from './opencode-source.js';

export interface ByteSource {
  /** Bytes readable through `read`, fixed at open. */
  readonly size: number;
  /**
   * Copies up to `length` bytes starting at `position` into `buf[bufOffset…]` and returns how many were
   * copied; 0 means nothing is left at `position` (e.g. the file was truncated after open).
   */
  read(buf: Buffer, bufOffset: number, length: number, position: number): number;
  /** Releases the descriptor or memory. Safe to call twice. */
  close(): void;
}

/**
 * Opening a FIFO for reading blocks until a writer appears, which could be never: the path is checked to be
 * a regular file on the descriptor itself, and opened with O_NONBLOCK so the open cannot block even if the
 * path was swapped for a FIFO after discovery. O_NONBLOCK changes nothing for regular files.
 */
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/**
 * Opens a plain (uncompressed) file for positional reads. Throws the fs error (ENOENT…) as is, and
 * `SourceDecodeError` for anything that is not a regular file (a directory, a FIFO, a device).
 */
export function openFileSource(path: string): ByteSource {
  let fd: number | undefined = fs.openSync(path, OPEN_FLAGS);
  let size: number;
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new SourceDecodeError(path, 'not a regular file');
    size = st.size;
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  return {
    size,
    read(buf, bufOffset, length, position) {
      if (fd === undefined) throw new Error(`read after close: ${path}`);
      if (length <= 0) return 0;
      return fs.readSync(fd, buf, bufOffset, length, position);
    },
    close() {
      if (fd === undefined) return;
      const toClose = fd;
      fd = undefined;
      fs.closeSync(toClose);
    },
  };
}

/** Serves reads from bytes already in memory (decompressed zstd content, tests). */
export function bufferSource(data: Uint8Array): ByteSource {
  let bytes: Uint8Array | undefined = data;
  return {
    size: data.length,
    read(buf, bufOffset, length, position) {
      if (bytes === undefined) throw new Error('read after close: in-memory source');
      const end = Math.min(bytes.length, position + Math.max(0, length));
      if (position >= end) return 0;
      buf.set(bytes.subarray(position, end), bufOffset);
      return end - position;
    },
    close() {
      bytes = undefined;
    },
  };
}

/**
 * Opens a `.zst` cold copy: reads the compressed file, decompresses it fully, serves reads from memory.
 * A file that does not decode throws `SourceDecodeError` naming the path. A 0-byte file is served as empty
 * content (fzstd accepts it) so that it fingerprints as `too-short` instead of failing.
 */
export function openZstdSource(path: string): ByteSource {
  const fd = fs.openSync(path, OPEN_FLAGS);
  let compressed: Buffer;
  try {
    if (!fs.fstatSync(fd).isFile()) throw new SourceDecodeError(path, 'not a regular file');
    compressed = fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  let content: Uint8Array;
  try {
    content = decompress(compressed);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new SourceDecodeError(path, `not a valid zstd stream (${reason})`, { cause: err });
  }
  return bufferSource(content);
}

/** True for paths the zstd source handles (`rollout-….jsonl.zst`). */
export function isZstdPath(path: string): boolean {
  return path.toLowerCase().endsWith('.zst');
}

/**
 * Picks the source by extension: `.zst` → decompressed in memory, anything else → positional file reads.
 * An OpenCode session's virtual path (`<db>#<session id>`, opencode-source.ts) is served as its JSONL
 * rendering, from memory, and so is a legacy OpenCode session's (`<dir>/storage#<project>/<session>`,
 * opencode-files.ts), rendered from its JSON files.
 *
 * A `.json` path is a legacy Gemini CLI session (≤ 0.38, the only `.json` discovery lists): one JSON
 * document rewritten whole, which line-based ingest cannot read as it is, so it is served as its JSONL
 * rendering (gemini-json-source.ts), from memory. The file's own stat still decides whether it changed.
 */
export function openSource(path: string): ByteSource {
  if (openCodeSessionOf(path) !== null) return bufferSource(renderOpenCodeSession(path));
  if (openCodeFilesOf(path) !== null) return bufferSource(renderOpenCodeFiles(path));
  if (path.toLowerCase().endsWith('.json')) return bufferSource(renderGeminiJson(path));
  return isZstdPath(path) ? openZstdSource(path) : openFileSource(path);
}
