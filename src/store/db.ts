import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { backupBeforeMigration } from './backup.js';
import { DiskFullError, ioError, isDiskFull, StoreError } from './errors.js';
import { migrations } from './migrations.js';
import { cannotWriteMessage, openReadOnlyConnection, writeProblem } from './read-only.js';
import { ensureSearchIndex } from './search-index.js';

export { DiskFullError, ioError, isDiskFull, StoreError };

export type Db = Database.Database;

/**
 * The pragmas every connection uses, benchmarks included. WAL lets `sessions`/`show` read while `sync`
 * writes; `synchronous = NORMAL` is durable across process crashes in WAL mode (only an OS crash can lose
 * the last transactions, and then the checkpoint is lost with them, so nothing is skipped).
 */
function applyPragmas(db: Db): void {
  db.pragma('journal_mode = WAL');
  // References are declared for readers of the schema but not enforced: a record row is written after the
  // messages it produced (its message count is known only then) and a sub-agent link may name a session
  // whose file is read later. The single writer keeps them consistent within each transaction.
  db.pragma('foreign_keys = OFF');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -16000');
  db.pragma('temp_store = MEMORY');
  // A REPLACE that deletes a conflicting message must fire the search index's delete trigger; SQLite fires
  // delete triggers for REPLACE only with recursive triggers on (this build's default, set here regardless).
  db.pragma('recursive_triggers = ON');
}

export function latestSchemaVersion(): number {
  return migrations[migrations.length - 1]?.version ?? 0;
}

/**
 * Refuses a database written by a newer aiobscura before anything touches it (not even the journal mode):
 * its tables may mean something this code does not know, and an older binary must not "repair" them.
 */
function refuseNewer(db: Db, file: string): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = latestSchemaVersion();
  if (current > latest) {
    throw new StoreError(
      `${file} has schema version ${current}, written by a newer aiobscura; this aiobscura supports versions ` +
        `up to ${latest}. Nothing was changed. Upgrade aiobscura, or pass --db to use another database.`,
    );
  }
  return current;
}

function migrate(db: Db, file: string, current: number, notice: (message: string) => void): void {
  const pending = migrations.filter((m) => m.version > current);
  if (pending.length === 0) return;
  // A fresh database (version 0) has nothing to lose; an existing one is copied first, so a migration that
  // goes wrong (or a downgrade the user regrets) can be undone by putting the copy back.
  if (current > 0) {
    const copy = backupBeforeMigration(db, file, current);
    notice(
      `upgrading ${file} from schema version ${current} to ${latestSchemaVersion()}; a copy of the old ` +
        `database is at ${copy}`,
    );
  }
  for (const m of pending) {
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

export interface OpenOptions {
  /** Readers (`sessions`, `show`, `stats`) refuse to create an empty database where none exists. */
  mustExist?: boolean;
  /**
   * The caller only reads (every reading command: `sessions`, `show`, `stats`, `collector status`, …). Implies
   * `mustExist`; see `openForReading`.
   */
  readonly?: boolean;
  /** Where to say that a migration is about to run and where the copy went (default: stderr). */
  notice?: (message: string) => void;
  /**
   * SQLite's `max_page_count` for this connection: writes past it fail with SQLITE_FULL, exactly as on a
   * full disk. Only the test hook `AIOBSCURA_MAX_PAGE_COUNT` sets it (see config.ts).
   */
  maxPageCount?: number | null;
}

function requireExisting(file: string): void {
  if (!fs.existsSync(file)) {
    throw new StoreError(`no database at ${file}: run \`aiobscura sync\` first (or pass --db)`);
  }
}

/**
 * For a caller that only reads. A database this process can write is opened as usual (an older schema is
 * migrated, with its copy, as sync would) with `query_only` set, so no statement can change it. One it
 * cannot write (the file, its directory or the mount) is opened read-only: nothing is migrated or written,
 * and an older schema is an error that says how to upgrade it.
 */
function openForReading(file: string, opts: OpenOptions): Db {
  requireExisting(file);
  const problem = writeProblem(file);
  if (problem === null) {
    const db = openDatabase(file, { ...opts, readonly: false, mustExist: true });
    db.pragma('query_only = ON');
    return db;
  }
  const db = openReadOnlyConnection(file);
  try {
    const version = refuseNewer(db, file);
    if (version < latestSchemaVersion()) {
      throw new StoreError(
        `${file} has schema version ${version} and this aiobscura reads version ${latestSchemaVersion()}; it ` +
          `cannot upgrade it without write access (${problem.path}: ${problem.reason}). Run \`aiobscura sync\` ` +
          'once as a user who can write it (it keeps a copy of the old database), then read again.',
      );
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Stops a writer (`sync`) before it touches anything when this process cannot write the database, naming
 * the path that refuses and why; SQLite would only say "attempt to write a readonly database".
 */
export function assertDatabaseWritable(file: string): void {
  const problem = writeProblem(file);
  if (problem) throw new StoreError(cannotWriteMessage(file, problem));
}

/**
 * Opens (creating if needed) the database at `file` and brings its schema up to date; with `readonly`, see
 * `openForReading`.
 */
export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  if (opts.readonly) return openForReading(file, opts);
  if (opts.mustExist) requireExisting(file);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    const current = refuseNewer(db, file);
    applyPragmas(db);
    if (opts.maxPageCount) db.pragma(`max_page_count = ${Math.floor(opts.maxPageCount)}`);
    const notice = opts.notice ?? ((m) => process.stderr.write(`aiobscura: ${m}\n`));
    migrate(db, file, current, notice);
    // Cheap (one look at the schema); it rebuilds only if a migration dropped the index's triggers or table.
    const repaired = ensureSearchIndex(db);
    if (repaired) notice(`rebuilt the search index of ${file} (${repaired.replace('-', ' ')})`);
    return db;
  } catch (err) {
    db.close();
    if (isDiskFull(err)) {
      throw new DiskFullError(
        `no space left to open ${file} (${(err as Error).message}); nothing was changed. Free space on ` +
          `${path.dirname(file)} and run again.`,
      );
    }
    throw err;
  }
}
