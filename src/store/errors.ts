import Database from 'better-sqlite3';

export class StoreError extends Error {
  override name = 'StoreError';
}

/**
 * The disk (or the database's size limit) is full. What was being written rolled back with its checkpoint,
 * so nothing is lost: the next run after space is freed reads the same lines again.
 */
export class DiskFullError extends StoreError {
  override name = 'DiskFullError';
}

/** SQLITE_FULL from SQLite, ENOSPC (or EDQUOT, a full quota) from any other write. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * The error SQLite raises when the disk fails a write (SQLITE_IOERR), for the reliability suite's failed-commit
 * fault: thrown inside a transaction, it rolls the transaction back exactly as the real error does.
 */
export function ioError(detail: string): Error {
  return new Database.SqliteError(`disk I/O error (${detail})`, 'SQLITE_IOERR');
}
