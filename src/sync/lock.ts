import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export class LockHeldError extends Error {
  override name = 'LockHeldError';
  constructor(
    readonly lockPath: string,
    readonly holderPid: number | null,
  ) {
    super(
      `another aiobscura sync is running on this database${holderPid ? ` (PID ${holderPid})` : ''}; ` +
        `stop it first, or wait for it to finish (lock: ${lockPath})`,
    );
  }
}

/**
 * The process lock that keeps two sync processes off one database.
 *
 * It is an exclusive SQLite lock on a small side file (`<db>.lock`), held by an open connection in
 * `locking_mode = EXCLUSIVE`. SQLite takes it with POSIX advisory locks, which the kernel drops when the
 * process dies, so a restart after `kill -9` needs no manual step: no stale PID file can block it. The PID
 * is written beside it only so the refusal can say who holds the lock.
 */
export class SyncLock {
  private constructor(
    private readonly conn: Database.Database,
    readonly lockPath: string,
    private readonly pidPath: string,
  ) {}

  static acquire(databasePath: string): SyncLock {
    const lockPath = `${databasePath}.lock`;
    const pidPath = `${databasePath}.lock.pid`;
    fs.mkdirSync(path.dirname(lockPath), { recursive: true });
    const conn = new Database(lockPath);
    try {
      conn.pragma('busy_timeout = 0');
      conn.pragma('journal_mode = DELETE');
      conn.pragma('locking_mode = EXCLUSIVE');
      conn.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER)');
      // The first write under EXCLUSIVE locking mode keeps the write lock until the connection closes.
      conn.exec(`BEGIN EXCLUSIVE; DELETE FROM holder; INSERT INTO holder VALUES (${process.pid}); COMMIT;`);
    } catch (err) {
      conn.close();
      if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
        throw new LockHeldError(lockPath, readPid(pidPath));
      }
      throw err;
    }
    fs.writeFileSync(pidPath, `${process.pid}\n`);
    return new SyncLock(conn, lockPath, pidPath);
  }

  release(): void {
    try {
      if (readPid(this.pidPath) === process.pid) fs.rmSync(this.pidPath, { force: true });
    } finally {
      this.conn.close();
    }
  }
}

/** The PID a lock holder wrote next to the lock, or null when there is none to read. */
export function readPid(file: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isFinite(pid) ? pid : null;
  } catch {
    return null;
  }
}
