import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrations } from './migrations.js';

export type Db = Database.Database;

export class StoreError extends Error {
  override name = 'StoreError';
}

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

function migrate(db: Db, file: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = latestSchemaVersion();
  if (current > latest) {
    throw new StoreError(
      `${file} has schema version ${current}, newer than this aiobscura understands (${latest}); ` +
        'upgrade aiobscura or point --db at another database',
    );
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

export interface OpenOptions {
  /** Readers (`sessions`, `show`, `stats`) refuse to create an empty database where none exists. */
  mustExist?: boolean;
}

/** Opens (creating if needed) the database at `file` and brings its schema up to date. */
export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  if (opts.mustExist && !fs.existsSync(file)) {
    throw new StoreError(`no database at ${file}: run \`aiobscura sync\` first (or pass --db)`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  applyPragmas(db);
  migrate(db, file);
  return db;
}
