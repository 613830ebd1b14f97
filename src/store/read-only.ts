/**
 * Reading a database this process may not write (issue 11, item 10): a file or directory without write
 * permission, another user's database, a read-only mount. Reading commands must still work there, and
 * `sync` must say which path refuses and why instead of failing inside SQLite.
 *
 * A WAL database is read through its `-shm` index, which SQLite creates beside the file when it is missing,
 * even for a read-only connection, with the database file's mode. In a directory this process cannot write
 * that fails (SQLite cannot open the file at all); in one it can, it leaves files owned by this user that the
 * database's owner may then be unable to write. So without a `-wal` file (no writer has the database open:
 * a writer keeps its `-wal` until its last connection closes) the file is opened `immutable`, which reads the
 * file alone, creates nothing and takes no locks; with one, through the writer's existing index.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { StoreError } from './errors.js';

// better-sqlite3 reads this once, when its native addon loads (at the first `new Database`): it enables the
// `file:…?immutable=1` form below. Every other path we open is absolute, so none starts with `file:`.
process.env.SQLITE_USE_URI ??= '1';

/** The first path that refuses a write, and why. */
export interface WriteProblem {
  path: string;
  code: string;
  /** `permission denied (EACCES; mode 0555, owner uid 0, this process uid 65534)`. */
  reason: string;
}

function describe(p: string, code: string): string {
  const what =
    code === 'EROFS' ? 'read-only file system' : code === 'ENOENT' ? 'does not exist' : 'permission denied';
  let detail = code;
  try {
    const st = fs.statSync(p);
    detail += `; mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}, owner uid ${st.uid}`;
  } catch {
    // Only the code, then.
  }
  const uid = process.getuid?.();
  if (uid !== undefined) detail += `, this process uid ${uid}`;
  return `${what} (${detail})`;
}

function refuses(p: string, mode: number): WriteProblem | null {
  try {
    fs.accessSync(p, mode);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EACCES';
    return { path: p, code, reason: describe(p, code) };
  }
}

/** The nearest directory at or above `dir` that exists (the one `mkdir -p` would write into). */
function existingAncestor(dir: string): string {
  let d = dir;
  while (!fs.existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

/**
 * Why this process cannot write the database and the files beside it (`-wal`, `-shm`, the sync lock), or
 * null when it can. `access(2)` answers for this process's real user, root included, and for read-only mounts.
 */
export function writeProblem(file: string): WriteProblem | null {
  const dir = existingAncestor(path.dirname(file));
  const inDir = refuses(dir, fs.constants.W_OK | fs.constants.X_OK);
  if (inDir) return inDir;
  for (const p of [file, `${file}-wal`, `${file}-shm`, `${file}.lock`, `${file}.lock.pid`]) {
    if (!fs.existsSync(p)) continue;
    const problem = refuses(p, fs.constants.W_OK);
    if (problem) return problem;
  }
  return null;
}

/** The message `sync` (and any command that writes) stops with when the database is not writable. */
export function cannotWriteMessage(file: string, problem: WriteProblem): string {
  return (
    `cannot write the database ${file}: ${problem.path} is not writable: ${problem.reason}. ` +
    'sync writes the database file and the files beside it (-wal, -shm, .lock). Run it as the user who ' +
    `owns ${problem.path}, make it writable, or pass --db to use another database. Reading commands ` +
    '(sessions, show, stats, warnings, collector status, …) work without write access.'
  );
}

const CANNOT_OPEN_READ_ONLY = /^SQLITE_(READONLY|CANTOPEN)/;

function walHoldsChanges(file: string): boolean {
  try {
    return fs.statSync(`${file}-wal`).size > 0;
  } catch {
    return false;
  }
}

function openImmutable(file: string): Database.Database {
  const db = new Database(`${pathToFileURL(file).href}?immutable=1`, { readonly: true, fileMustExist: true });
  try {
    db.pragma('user_version', { simple: true });
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * A connection that can only read: it never creates, migrates or changes anything, not even the files beside
 * the database (see the header).
 */
export function openReadOnlyConnection(file: string): Database.Database {
  if (!fs.existsSync(`${file}-wal`)) {
    try {
      return openImmutable(file);
    } catch (err) {
      throw readError(file, err);
    }
  }
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    // The index is opened lazily: the first read is what fails when it cannot be.
    db.pragma('user_version', { simple: true });
    return db;
  } catch (err) {
    db?.close();
    const code = String((err as { code?: unknown }).code ?? '');
    if (!CANNOT_OPEN_READ_ONLY.test(code)) throw readError(file, err);
    if (walHoldsChanges(file)) {
      throw new StoreError(
        `cannot read ${file}: its write-ahead log ${file}-wal holds changes that can be read only through ` +
          `its index ${file}-shm, which this process cannot open or create (${(err as Error).message}; a ` +
          'sync may be running). Try again when it has finished, or run as the user who owns the database.',
      );
    }
  }
  try {
    return openImmutable(file);
  } catch (err) {
    throw readError(file, err);
  }
}

function readError(file: string, err: unknown): StoreError {
  const code = (err as NodeJS.ErrnoException).code;
  const denied = refuses(file, fs.constants.R_OK);
  if (denied) {
    return new StoreError(
      `cannot read ${file}: ${denied.reason}; run as its owner or make it readable (chmod u+r)`,
    );
  }
  return new StoreError(`cannot read ${file} (${code ?? 'error'}: ${(err as Error).message})`);
}
