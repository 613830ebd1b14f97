import type { Db } from './db.js';

/** What the store remembers about one log file: its identity and how far it has been read. */
export interface SourceFileRow {
  id: number;
  path: string;
  assistant: string;
  role: string;
  dev: number | null;
  ino: number | null;
  size: number;
  mtime_ms: number;
  fp_bytes: number;
  fp_hash: string | null;
  checkpoint_offset: number;
  checkpoint_line: number;
  parser_state: string | null;
  last_timestamp: string | null;
  first_seen_mtime: string;
  dedupe_below: number;
  generation: number;
  last_change: string;
  missing: number;
}

export type FileStatRow = Pick<
  SourceFileRow,
  'id' | 'path' | 'size' | 'mtime_ms' | 'ino' | 'checkpoint_offset' | 'missing'
>;

export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  fpBytes: number;
  fpHash: string | null;
}

/** Where reading resumes, committed in the same transaction as the rows it produced. */
export interface Checkpoint {
  offset: number;
  lineNo: number;
  parserState: string;
  lastTimestamp: string | null;
}

export class SourceFiles {
  private readonly byPath;
  private readonly byFingerprint;
  private readonly insert;
  private readonly identity;
  private readonly checkpoint;
  private readonly rewrite;
  private readonly rename;
  private readonly missing;
  private readonly fileWarning;

  constructor(private readonly db: Db) {
    this.byPath = db.prepare<[string], SourceFileRow>('SELECT * FROM source_files WHERE path = ?');
    this.byFingerprint = db.prepare<[string, string], SourceFileRow>(
      'SELECT * FROM source_files WHERE fp_hash = ? AND assistant = ? ORDER BY id',
    );
    this.insert = db.prepare(
      `INSERT INTO source_files (path, assistant, role, dev, ino, size, mtime_ms, fp_bytes, fp_hash,
         first_seen_mtime, updated_at)
       VALUES (@path, @assistant, @role, @dev, @ino, 0, 0, @fpBytes, @fpHash, @firstSeenMtime, @now)`,
    );
    this.identity = db.prepare(
      `UPDATE source_files SET dev = @dev, ino = @ino, size = @size, mtime_ms = @mtimeMs, fp_bytes = @fpBytes,
         fp_hash = @fpHash, last_change = @change, missing = 0, updated_at = @now WHERE id = @id`,
    );
    this.checkpoint = db.prepare(
      `UPDATE source_files SET checkpoint_offset = @offset, checkpoint_line = @lineNo,
         parser_state = @parserState, last_timestamp = @lastTimestamp, updated_at = @now WHERE id = @id`,
    );
    this.rewrite = db.prepare(
      `UPDATE source_files SET generation = generation + 1, checkpoint_offset = 0, checkpoint_line = 0,
         parser_state = NULL, dedupe_below = @dedupeBelow, last_change = @change, updated_at = @now WHERE id = @id`,
    );
    this.rename = db.prepare('UPDATE source_files SET path = @path, updated_at = @now WHERE id = @id');
    this.missing = db.prepare('UPDATE source_files SET missing = 1, updated_at = @now WHERE id = @id');
    this.fileWarning = db.prepare(
      `INSERT INTO ingest_warnings (source_file_id, path, line_no, offset, reason, created_at)
       VALUES (@id, @path, NULL, NULL, @reason, @now)`,
    );
  }

  /**
   * What the `stat` fast path needs of every known file, keyed by path: one query over narrow rows, so an
   * unchanged tree costs one `stat` per file and little memory. Full rows are read only for changed files.
   */
  identities(): Map<string, FileStatRow> {
    const rows = this.db
      .prepare<[], FileStatRow>(
        'SELECT id, path, size, mtime_ms, ino, checkpoint_offset, missing FROM source_files',
      )
      .all();
    return new Map(rows.map((r) => [r.path, r]));
  }

  get(path: string): SourceFileRow | undefined {
    return this.byPath.get(path);
  }

  withFingerprint(hash: string, assistant: string): SourceFileRow[] {
    return this.byFingerprint.all(hash, assistant);
  }

  create(
    file: { path: string; assistant: string; role: string },
    id: FileIdentity,
    now: string,
  ): SourceFileRow {
    this.insert.run({
      path: file.path,
      assistant: file.assistant,
      role: file.role,
      dev: id.dev,
      ino: id.ino,
      fpBytes: id.fpBytes,
      fpHash: id.fpHash,
      firstSeenMtime: new Date(id.mtimeMs).toISOString(),
      now,
    });
    return this.get(file.path)!;
  }

  setIdentity(fileId: number, id: FileIdentity, change: string, now: string): void {
    this.identity.run({ id: fileId, ...id, change, now });
  }

  setCheckpoint(fileId: number, cp: Checkpoint, now: string): void {
    this.checkpoint.run({ id: fileId, ...cp, now });
  }

  /** Starts a new generation read from offset 0; lines below `dedupeBelow` are checked against stored ones. */
  restart(fileId: number, dedupeBelow: number, change: string, now: string): void {
    this.rewrite.run({ id: fileId, dedupeBelow, change, now });
  }

  moveTo(fileId: number, path: string, now: string): void {
    this.rename.run({ id: fileId, path, now });
  }

  markMissing(fileId: number, now: string): void {
    this.missing.run({ id: fileId, now });
  }

  /** A problem with a whole file rather than one line (shown by `aiobscura warnings` without a line number). */
  warn(fileId: number, path: string, reason: string, now: string): void {
    this.fileWarning.run({ id: fileId, path, reason, now });
  }
}
