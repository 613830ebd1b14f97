import type fs from 'node:fs';
import { type FileContext, parserFor, type RecordOutput } from '../parsers/index.js';
import {
  type ByteSource,
  decodeLine,
  fingerprintSource,
  hashPrefix,
  openSource,
  type RawLine,
  type ReadEnd,
  readLines,
} from '../reader/index.js';
import type { ChunkLine, ChunkWriter, FileUpdate, SourceFileRow, SourceFiles } from '../store/index.js';
import { type Change, classify } from './change.js';

/** Lines and bytes per transaction: large enough to amortise the commit, small enough to stop promptly. */
const CHUNK_LINES = 2_000;
const CHUNK_BYTES = 2 * 1024 * 1024;

export interface FileOutcome {
  change: Change['kind'];
  lines: number;
  records: number;
  messages: number;
  duplicates: number;
  warnings: number;
  /** Bytes after the last complete line that wait for their `\n`. */
  heldBackBytes: number;
}

export interface IngestDeps {
  files: SourceFiles;
  writer: ChunkWriter;
  clock: () => Date;
  /** Called between chunks; returning true stops after the chunk just committed (SIGINT/SIGTERM). */
  shouldStop: () => boolean;
  /**
   * Files last modified before this time (ms) are idle: a final line that lacks its `\n` but is a complete
   * JSON record is then taken as written (log-formats.md E5), instead of waiting for a newline forever.
   */
  idleBeforeMs: number;
  /** Runs inside each chunk's transaction, after its rows are written and before the commit (test hook). */
  beforeCommit?: () => void;
  /** Test-only phase markers around each chunk's transaction (`AIOBSCURA_PHASE_FILE`). */
  phase?: ((line: string) => void) | undefined;
  /** Called after each committed chunk, so the caller can report progress or yield to the event loop. */
  onChunk?: (committedBytes: number) => void;
}

/** Stats, classifies and (if needed) reads one file. `st` is the `stat` the caller already paid for. */
export async function ingestFile(
  file: { path: string; context: FileContext },
  row: SourceFileRow | undefined,
  st: fs.Stats,
  deps: IngestDeps,
): Promise<FileOutcome> {
  const src = openSource(file.path);
  try {
    let change = classify(row, st, src, (hash) => deps.files.withFingerprint(hash, file.context.assistant));
    // An OpenCode session rendering (reader/opencode-source.ts) shrinks when rows are edited or deleted in
    // place, a legacy Gemini session's (reader/gemini-json-source.ts) when Gemini CLI rewrites a message
    // shorter, a legacy OpenCode session's (reader/opencode-files.ts) when a part file is rewritten: that is a
    // rewrite of the rendering, not a log cut short, so no truncation warning.
    if (change.kind === 'truncated' && isRendered(file.context.format)) change = { kind: 'rewritten' };
    const outcome: FileOutcome = {
      change: change.kind,
      lines: 0,
      records: 0,
      messages: 0,
      duplicates: 0,
      warnings: 0,
      heldBackBytes: 0,
    };
    const idle = file.path.endsWith('.zst') || st.mtimeMs < deps.idleBeforeMs;
    if (change.kind === 'unchanged') {
      // Only an idle file's unterminated tail can still turn out to be a complete record.
      if (row && idle && row.checkpoint_offset < src.size) {
        await readNewLines(file.context, row, src, deps, outcome, idle);
        if (outcome.records > 0) outcome.change = 'appended';
      }
      return outcome;
    }
    const { current, update } = prepareRow(file, row, st, src, change, deps);
    if (change.kind === 'truncated') outcome.warnings++; // the file-level warning the first chunk stores
    await readNewLines(file.context, current, src, deps, outcome, idle, update);
    return outcome;
  } finally {
    src.close();
  }
}

/** Sources rendered whole from rows or documents changed in place (not appended logs). */
function isRendered(format: FileContext['format']): boolean {
  return format === 'sqlite' || format === 'json' || format === 'opencode-files';
}

function identityOf(st: fs.Stats, src: ByteSource, format: FileContext['format']) {
  // A database session's rendering, and a legacy Gemini session's (rewritten whole), is fingerprinted whole:
  // rows or messages change in place anywhere in it, and only a rendering that starts with every byte read
  // before is an append (change.ts `sameStart`).
  const whole = isRendered(format);
  const fp = whole ? hashPrefix(src, src.size) : fingerprintSource(src);
  return {
    dev: st.dev,
    ino: st.ino,
    size: st.size,
    mtimeMs: st.mtimeMs,
    fpBytes: fp.kind === 'ok' ? fp.bytes : 0,
    fpHash: fp.kind === 'ok' ? fp.hash : null,
  };
}

/**
 * Applies the classification: the row to read from, and what the first chunk's transaction must write
 * about the file (a restart from offset 0, a move, the truncation warning) and the last chunk's (the new
 * identity). Nothing here is written outside those transactions, except the row of a file never seen
 * before, which starts empty (size 0) and so reads as changed until a chunk commits.
 */
function prepareRow(
  file: { path: string; context: FileContext },
  row: SourceFileRow | undefined,
  st: fs.Stats,
  src: ByteSource,
  change: Change,
  deps: IngestDeps,
): { current: SourceFileRow; update: FileUpdate } {
  const now = deps.clock().toISOString();
  const id = identityOf(st, src, file.context.format);
  const writes: (() => void)[] = [];
  let current: SourceFileRow;
  if (change.kind === 'moved') {
    const from = change.from;
    writes.push(() => deps.files.moveTo(from.id, file.path, now));
    current = { ...from, path: file.path };
  } else if (row === undefined) {
    current = deps.files.create({ ...file.context, path: file.path }, id, now);
  } else {
    current = row;
  }
  if (change.kind === 'truncated') {
    // Lines already stored are kept, but whatever the file held past its new end is gone from disk, and
    // lines written there again will be read anew: the user should know the log shrank under us.
    const fileId = current.id;
    const reason =
      `file shrank to ${src.size} bytes, below the ${current.checkpoint_offset} bytes already read ` +
      '(truncated); it is read again from the start, lines already stored are kept';
    writes.push(() => deps.files.warn(fileId, file.path, reason, now));
  }
  if (change.kind === 'truncated' || change.kind === 'rewritten' || change.kind === 'replaced') {
    // Everything below the old checkpoint may already be stored: those lines are checked by content.
    const dedupeBelow = Math.max(current.checkpoint_offset, current.dedupe_below);
    const fileId = current.id;
    const kind = change.kind;
    writes.push(() => deps.files.restart(fileId, dedupeBelow, kind, now));
    current = {
      ...current,
      checkpoint_offset: 0,
      checkpoint_line: 0,
      parser_state: null,
      dedupe_below: dedupeBelow,
      generation: current.generation + 1,
    };
  }
  return {
    current,
    update: {
      prelude:
        writes.length > 0
          ? () => {
              for (const w of writes) w();
            }
          : undefined,
      identity: () => ({ id, change: change.kind }),
    },
  };
}

/** The timestamp a record carries, as the parser reported it; used as the fallback for later records. */
function recordTimestamp(outputs: RecordOutput[]): string | null {
  for (const out of outputs) {
    for (const m of out.messages) if (m.emittedAt) return m.emittedAt;
    for (const s of out.sessions) if (s.timestamp) return s.timestamp;
  }
  return null;
}

async function readNewLines(
  ctx: FileContext,
  row: SourceFileRow,
  src: ByteSource,
  deps: IngestDeps,
  outcome: FileOutcome,
  idle: boolean,
  update: FileUpdate = {},
): Promise<void> {
  const parser = parserFor(ctx.assistant);
  const state = row.parser_state ? JSON.parse(row.parser_state) : parser.initialState(ctx);
  let lastTimestamp = row.last_timestamp;
  const fileRef = {
    id: row.id,
    path: row.path,
    assistant: ctx.assistant,
    generation: row.generation,
    dedupeBelow: row.dedupe_below,
  };
  let position = { offset: row.checkpoint_offset, lineNo: row.checkpoint_line + 1 };
  const lines = readLines(src, position);

  /** The next complete line, or an idle file's complete unterminated tail (`final`), or null. */
  const nextLine = (): { line: RawLine; final: boolean } | null => {
    const next = lines.next();
    if (!next.done) return { line: next.value, final: false };
    outcome.heldBackBytes = next.value.heldBackBytes;
    const tail = idle ? completeTail(src, next.value) : null;
    if (!tail) return null;
    outcome.heldBackBytes = 0;
    return { line: tail, final: true };
  };

  /** Decodes and parses one line into what the writer stores. */
  const toChunkLine = (line: RawLine): ChunkLine => {
    const decoded = decodeLine(line.text);
    const warnings = decoded.warning ? [decoded.warning] : [];
    const outputs = decoded.values.map((json) =>
      parser.parse({ lineNo: line.lineNo, offset: line.offset, json }, state, ctx),
    );
    for (const out of outputs) if (out.warning) warnings.push(out.warning);
    // A record without a timestamp gets the previous one in this file, else the file's first-seen mtime,
    // both stored, so re-reading never changes it.
    const fallback = lastTimestamp ?? row.first_seen_mtime;
    for (const out of outputs) for (const m of out.messages) m.emittedAt ??= fallback;
    lastTimestamp = recordTimestamp(outputs) ?? lastTimestamp;
    return {
      lineNo: line.lineNo,
      offset: line.offset,
      raw: line.bytes,
      rawIsUtf8: !line.text.includes('\uFFFD') || Buffer.from(line.text, 'utf8').equals(line.bytes),
      outputs,
      warnings,
    };
  };

  let pending = nextLine();
  let first = true;
  // A file whose change must be recorded gets a chunk even with no line to read (its restart, its identity).
  while (pending || (first && (update.prelude !== undefined || update.identity !== undefined))) {
    let chunkBytes = 0;
    const prelude = first ? update.prelude : undefined;
    first = false;
    // Lines are parsed and written inside the chunk's transaction, one at a time: nothing but the current
    // line is held in memory, and the checkpoint commits with the rows it covers.
    const totals = deps.writer.apply(
      fileRef,
      deps.clock().toISOString(),
      (write) => {
        for (let n = 0; pending && n < CHUNK_LINES && chunkBytes < CHUNK_BYTES; n++) {
          const { line, final } = pending;
          outcome.lines++;
          // After an unterminated tail the next read starts with the rest of that same line (its `\n`), so
          // the line number is not advanced: a later full re-read numbers every line the same way.
          position = { offset: line.nextOffset, lineNo: final ? line.lineNo : line.lineNo + 1 };
          chunkBytes += line.nextOffset - line.offset;
          if (!line.blank) write(toChunkLine(line));
          pending = final ? null : nextLine();
        }
        return {
          offset: position.offset,
          lineNo: position.lineNo - 1,
          parserState: JSON.stringify(state),
          lastTimestamp,
        };
      },
      // The identity goes with the chunk that reaches the end: if reading stops or fails before, the file
      // still looks changed to the next pass, which resumes at the checkpoint.
      { prelude, identity: () => (pending ? undefined : update.identity?.()) },
      { beforeCommit: deps.beforeCommit, phase: deps.phase },
    );
    outcome.records += totals.records;
    outcome.messages += totals.messages;
    outcome.duplicates += totals.duplicates;
    outcome.warnings += totals.warnings;
    deps.onChunk?.(chunkBytes);
    if (!pending) break;
    // Let signal handlers, timers and the publisher run between transactions: SIGINT stops after a whole chunk.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (deps.shouldStop()) return;
  }
}

/**
 * The bytes after the last `\n` of an idle file, as a line, when they form complete JSON records. A torn
 * write never parses as a whole record, so it keeps waiting for its newline.
 */
function completeTail(src: ByteSource, end: ReadEnd): RawLine | null {
  if (end.heldBackBytes === 0 || end.heldBackBytes > 64 * 1024 * 1024) return null;
  const buf = Buffer.allocUnsafe(end.heldBackBytes);
  let got = 0;
  while (got < buf.length) {
    const n = src.read(buf, got, buf.length - got, end.offset + got);
    if (n <= 0) return null;
    got += n;
  }
  let bytes = buf.at(-1) === 0x0d ? buf.subarray(0, -1) : buf;
  if (end.offset === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    bytes = bytes.subarray(3);
  const text = bytes.toString('utf8');
  const decoded = decodeLine(text);
  if (decoded.warning || decoded.values.length === 0) return null;
  return {
    lineNo: end.lineNo,
    offset: end.offset,
    nextOffset: end.offset + end.heldBackBytes,
    bytes,
    text,
    blank: false,
  };
}
