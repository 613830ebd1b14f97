import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { backupBeforeMigration } from './backup.js';
import { DiskFullError, isDiskFull, StoreError } from './errors.js';
import { migrations } from './migrations.js';

export { DiskFullError, isDiskFull, StoreError };

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
  /** Where to say that a migration is about to run and where the copy went (default: stderr). */
  notice?: (message: string) => void;
  /**
   * SQLite's `max_page_count` for this connection: writes past it fail with SQLITE_FULL, exactly as on a
   * full disk. Only the test hook `AIOBSCURA_MAX_PAGE_COUNT` sets it (see config.ts).
   */
  maxPageCount?: number | null;
}

/** Opens (creating if needed) the database at `file` and brings its schema up to date. */
export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  if (opts.mustExist && !fs.existsSync(file)) {
    throw new StoreError(`no database at ${file}: run \`aiobscura sync\` first (or pass --db)`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    const current = refuseNewer(db, file);
    applyPragmas(db);
    if (opts.maxPageCount) db.pragma(`max_page_count = ${Math.floor(opts.maxPageCount)}`);
    migrate(db, file, current, opts.notice ?? ((m) => process.stderr.write(`aiobscura: ${m}\n`)));
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
