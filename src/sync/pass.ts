import fs from 'node:fs';
import path from 'node:path';
import { openPhaseMarker, type PhaseMarker, type ResolvedConfig } from '../config/index.js';
import { type FileOutcome, ingestFile, isUnchanged } from '../ingest/index.js';
import { openCodeFilesStats, openCodeStats } from '../reader/index.js';
import { type DiscoveredFile, discoverAll } from '../sources/index.js';
import {
  ChunkWriter,
  type Db,
  DiskFullError,
  type FileStatRow,
  ioError,
  isDiskFull,
  SourceFiles,
} from '../store/index.js';

export interface SkippedFile {
  path: string;
  reason: string;
}

/** What one pass did; printed as the sync summary and returned by `--json`. */
export interface PassSummary {
  files: number;
  unchanged: number;
  read: number;
  skipped: SkippedFile[];
  changes: Record<string, number>;
  lines: number;
  records: number;
  messages: number;
  duplicates: number;
  warnings: number;
  newSessions: number;
  sessions: number;
  heldBackBytes: number;
  groupsClosedIdle: number;
  stopped: boolean;
  durationMs: number;
}

/** Progress of the bytes a pass has to read; drives the progress bar on a terminal. */
export interface PassEvents {
  onStart?(totalBytes: number, files: number): void;
  onProgress?(bytes: number, file: string): void;
  onWarning?(path: string, message: string): void;
}

interface Candidate {
  file: DiscoveredFile;
  st: fs.Stats;
}

/** One pass over every log root: discover, stat, read what changed, close idle groups. */
export class SyncPass {
  private readonly files: SourceFiles;
  private readonly writer: ChunkWriter;
  /** The files of the last full discovery, so a pass for a few changed paths need not walk the tree. */
  private discovered = new Map<string, DiscoveredFile>();
  /** Test-only markers around each ingest transaction (`AIOBSCURA_PHASE_FILE`); undefined in normal use. */
  private readonly phase: PhaseMarker | undefined;
  /** Passes run so far (varies the test-only discovery shuffle from pass to pass). */
  private passes = 0;
  /** Test-only faults inside each ingest transaction, just before its COMMIT; undefined in normal use. */
  private readonly beforeCommit: (() => void) | undefined;

  constructor(
    private readonly db: Db,
    private readonly config: ResolvedConfig,
    private readonly clock: () => Date = () => new Date(),
    hooks: { beforeCommit?: () => void } = {},
  ) {
    this.files = new SourceFiles(db);
    this.writer = new ChunkWriter(db, this.files);
    this.phase = openPhaseMarker(config.phaseFile);
    this.beforeCommit = hooks.beforeCommit ?? commitFaults(config);
  }

  /**
   * `changed` (from file-system events) limits the pass to those paths when all of them are known files;
   * anything else (a new file, a removal, no hint at all) walks the whole tree.
   */
  async run(
    shouldStop: () => boolean,
    events: PassEvents = {},
    changed?: ReadonlySet<string>,
  ): Promise<PassSummary> {
    try {
      return await this.runPass(shouldStop, events, changed);
    } finally {
      // Sessions this pass created may be published from now on (see `sessionsInProgress`).
      this.writer.forgetCreated();
    }
  }

  private async runPass(
    shouldStop: () => boolean,
    events: PassEvents,
    changed?: ReadonlySet<string>,
  ): Promise<PassSummary> {
    const started = Date.now();
    const summary = emptySummary();
    const sessionsBefore = this.countSessions();
    const targeted = changed && changed.size > 0 && [...changed].every((p) => this.discovered.has(p));
    let files: DiscoveredFile[];
    let known: Map<string, FileStatRow>;
    if (targeted) {
      // A few named files: their own rows, not every known file's.
      files = [...changed].map((p) => this.discovered.get(p)!);
      known = new Map();
      for (const f of files) {
        const row = this.files.get(f.path);
        if (row) known.set(f.path, row);
      }
    } else {
      known = this.files.identities();
      const discovery = discoverAll(this.config);
      for (const p of discovery.problems) summary.skipped.push(p);
      files = this.ordered(discovery.files);
      this.discovered = new Map(files.map((f) => [f.path, f]));
      this.markVanished(known, files);
    }
    const candidates = this.statAll(files, known, summary);

    const total = candidates.reduce(
      (n, c) => n + Math.max(0, c.st.size - (known.get(c.file.path)?.checkpoint_offset ?? 0)),
      0,
    );
    events.onStart?.(total, candidates.length);
    for (const c of candidates) {
      if (shouldStop()) {
        summary.stopped = true;
        break;
      }
      await this.readOne(c, summary, shouldStop, events);
    }
    try {
      summary.groupsClosedIdle = this.writer.closeIdleGroups(this.idleBefore());
    } catch (err) {
      throw isDiskFull(err) ? this.diskFull('closing idle groups', err) : err;
    }
    summary.sessions = this.countSessions();
    summary.newSessions = summary.sessions - sessionsBefore;
    summary.stopped ||= shouldStop();
    summary.durationMs = Date.now() - started;
    return summary;
  }

  /** Discovery order, or a seeded shuffle of it under the test hook `AIOBSCURA_DISCOVERY_SEED`. */
  private ordered(files: DiscoveredFile[]): DiscoveredFile[] {
    if (this.config.discoverySeed === null) return files;
    const random = seededRandom(this.config.discoverySeed + this.passes++);
    const out = [...files];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** One `stat` per file; a file whose size, mtime and inode match the store is not opened at all. */
  private statAll(
    files: DiscoveredFile[],
    known: Map<string, FileStatRow>,
    summary: PassSummary,
  ): Candidate[] {
    const out: Candidate[] = [];
    const idleBefore = this.idleBefore();
    // OpenCode sessions live in a database: their stat stands in from one grouped query per database.
    const openCode = openCodeStats();
    // Legacy OpenCode sessions (< 1.2) are JSON files per message and part: their stat stands in from those.
    const openCodeFiles = openCodeFilesStats();
    for (const file of files) {
      summary.files++;
      let st: fs.Stats;
      try {
        st =
          file.context.format === 'sqlite'
            ? (openCode.stat(file.path) as fs.Stats)
            : file.context.format === 'opencode-files'
              ? (openCodeFiles.stat(file.path) as fs.Stats)
              : fs.statSync(file.path);
      } catch (err) {
        summary.skipped.push({
          path: file.path,
          reason: `cannot stat (${(err as NodeJS.ErrnoException).code ?? err})`,
        });
        continue;
      }
      if (!st.isFile()) {
        summary.skipped.push({ path: file.path, reason: 'not a regular file' });
        continue;
      }
      const row = known.get(file.path);
      // An idle file with bytes past its checkpoint may end in a complete record without its newline: it
      // is opened once more to check, although its stat did not change.
      // (A rendered source, an OpenCode session (database or legacy files) or a legacy Gemini JSON file,
      // always ends with its newline, and its stat's size is not the rendering's.)
      const tailPending =
        (file.context.format ?? 'jsonl') === 'jsonl' &&
        row !== undefined &&
        row.checkpoint_offset < row.size &&
        st.mtimeMs < idleBefore;
      if (isUnchanged(row, st) && !tailPending) summary.unchanged++;
      else out.push({ file, st });
    }
    return out;
  }

  private async readOne(
    c: Candidate,
    summary: PassSummary,
    shouldStop: () => boolean,
    events: PassEvents,
  ): Promise<void> {
    let outcome: FileOutcome;
    try {
      outcome = await ingestFile(c.file, this.files.get(c.file.path), c.st, {
        files: this.files,
        writer: this.writer,
        clock: this.clock,
        shouldStop,
        idleBeforeMs: this.idleBefore(),
        beforeCommit: this.beforeCommit,
        phase: this.phase,
        onChunk: (bytes) => events.onProgress?.(bytes, c.file.path),
      });
    } catch (err) {
      // A full disk is not this file's problem: every later write would fail the same way, so ingest stops.
      if (isDiskFull(err)) throw this.diskFull(`storing ${c.file.path}`, err);
      // An unreadable file (permissions, a corrupt .zst, a file deleted mid-read) is counted and named,
      // never silently dropped; what other files stored is unaffected.
      const reason = (err as Error).message ?? String(err);
      summary.skipped.push({ path: c.file.path, reason });
      events.onWarning?.(c.file.path, reason);
      return;
    }
    if (outcome.change === 'unchanged') summary.unchanged++;
    else {
      summary.read++;
      summary.changes[outcome.change] = (summary.changes[outcome.change] ?? 0) + 1;
    }
    summary.lines += outcome.lines;
    summary.records += outcome.records;
    summary.messages += outcome.messages;
    summary.duplicates += outcome.duplicates;
    summary.warnings += outcome.warnings;
    summary.heldBackBytes += outcome.heldBackBytes;
  }

  /**
   * The chunk being written rolled back together with its checkpoint (one transaction), so the file is read
   * again from its last committed checkpoint once there is space: nothing lost, nothing stored twice.
   */
  private diskFull(doing: string, err: unknown): DiskFullError {
    return new DiskFullError(
      `disk full while ${doing} (${(err as Error).message}): ingest stopped. What was being written was ` +
        'rolled back with its checkpoint, so nothing is lost; free space on ' +
        `${path.dirname(this.config.databasePath)} and run \`aiobscura sync\` again.`,
      { cause: err },
    );
  }

  /** Remembers files that disappeared, so a reappearance elsewhere is recognised as a move. */
  private markVanished(known: Map<string, FileStatRow>, present: DiscoveredFile[]): void {
    const seen = new Set(present.map((f) => f.path));
    const now = this.clock().toISOString();
    for (const row of known.values()) {
      if (row.missing === 0 && !seen.has(row.path) && !fs.existsSync(row.path))
        this.files.markMissing(row.id, now);
    }
  }

  /**
   * Sessions first stored by the pass now running (a live set, empty between passes): not published until
   * the pass ends, so ownership of records that several files of the pass hold is settled before any is sent.
   */
  get sessionsInProgress(): ReadonlySet<string> {
    return this.writer.createdSessions;
  }

  /** Stored lines compared byte for byte while re-reading replaced files (at most about one per line). */
  get rereadComparisons(): number {
    return this.writer.rereadComparisons;
  }

  /** Sessions whose messages changed since the last call (see `ChunkWriter.takeTouched`). */
  takeTouched(): { sessions: Set<string>; all: boolean } {
    return this.writer.takeTouched();
  }

  private idleBefore(): number {
    return this.clock().getTime() - this.config.idleCloseSecs * 1000;
  }

  private countSessions(): number {
    return this.db.prepare('SELECT count(*) FROM sessions').pluck().get() as number;
  }
}

/**
 * The reliability suite's faults inside an ingest transaction: a kill before COMMIT (a chunk is all or
 * nothing), or a failed COMMIT (SQLITE_IOERR, as a failing disk gives) that must roll back memory too.
 */
function commitFaults(config: ResolvedConfig): (() => void) | undefined {
  if (config.crashAt === 'after-message-insert-before-commit')
    return () => process.kill(process.pid, 'SIGKILL');
  const fail = config.failCommits;
  if (fail === null) return undefined;
  const random = seededRandom(fail.seed);
  return () => {
    if (random() < fail.probability) throw ioError('test fault AIOBSCURA_FAIL_COMMITS');
  };
}

/** mulberry32: a tiny deterministic PRNG, so a failing seed reproduces. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function emptySummary(): PassSummary {
  return {
    files: 0,
    unchanged: 0,
    read: 0,
    skipped: [],
    changes: {},
    lines: 0,
    records: 0,
    messages: 0,
    duplicates: 0,
    warnings: 0,
    newSessions: 0,
    sessions: 0,
    heldBackBytes: 0,
    groupsClosedIdle: 0,
    stopped: false,
    durationMs: 0,
  };
}
