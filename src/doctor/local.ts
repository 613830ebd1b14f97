/**
 * The checks that need no network: log directories, the database file (integrity, size, schema version)
 * and the sync lock. The database is opened read-only, so doctor never migrates or repairs anything.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import type { ResolvedConfig } from '../config/index.js';
import { latestSchemaVersion } from '../store/db.js';
import { LockHeldError, readPid, SyncLock } from '../sync/lock.js';
import { type CheckResult, fail, ok, warn } from './types.js';

export function checkLogDirs(config: Pick<ResolvedConfig, 'claudeDir' | 'codexDir'>): CheckResult[] {
  const dirs = [
    { check: 'claude logs', dir: config.claudeDir, key: 'sources.claude_dir', flag: '--claude-dir' },
    { check: 'codex logs', dir: config.codexDir, key: 'sources.codex_dir', flag: '--codex-dir' },
  ];
  const results = dirs.map(({ check, dir, key, flag }) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT')
        return warn(
          check,
          `${dir} does not exist`,
          `if the assistant keeps its logs elsewhere, set ${key} (or ${flag})`,
        );
      return fail(check, `${dir}: ${(err as Error).message}`, `check the permissions of ${dir}`);
    }
    if (!st.isDirectory()) return fail(check, `${dir} is not a directory`, `point ${key} at the directory`);
    try {
      fs.accessSync(dir, fs.constants.R_OK | fs.constants.X_OK);
    } catch {
      return fail(
        check,
        `${dir} is not readable by this user`,
        `chmod u+rx ${dir}, or run aiobscura as its owner`,
      );
    }
    return ok(check, `${dir} is readable`);
  });
  if (results.every((r) => r.status === 'warn')) {
    // One missing assistant is normal; none at all means nothing will ever be ingested.
    return results.map((r) => ({ ...r, status: 'fail' as const }));
  }
  return results;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** `database` (opens, `PRAGMA quick_check`, size of the file plus its WAL) and `schema` (user_version). */
export function checkDatabase(databasePath: string): CheckResult[] {
  if (!fs.existsSync(databasePath)) {
    return [warn('database', `no database at ${databasePath} yet`, 'run `aiobscura sync`')];
  }
  const size = sizeOf(databasePath);
  const wal = sizeOf(`${databasePath}-wal`);
  const sizeText = `${megabytes(size)}${wal ? ` + ${megabytes(wal)} WAL` : ''}`;
  const rebuild = `move ${databasePath} aside and run \`aiobscura sync\` (the logs are re-read; unpublished work is sent again, the server deduplicates)`;
  let db: Database.Database | null = null;
  try {
    db = new Database(databasePath, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 2000');
    const rows = db.pragma('quick_check') as { quick_check: string }[];
    const problems = rows.map((r) => r.quick_check).filter((t) => t !== 'ok');
    const results: CheckResult[] = [];
    if (problems.length > 0) {
      const first = problems.slice(0, 3).join('; ');
      results.push(fail('database', `${databasePath} (${sizeText}) fails quick_check: ${first}`, rebuild));
    } else {
      results.push(ok('database', `${databasePath} (${sizeText}) passes quick_check`));
    }
    const version = db.pragma('user_version', { simple: true }) as number;
    const latest = latestSchemaVersion();
    if (version === latest) results.push(ok('schema', `version ${version} (current)`));
    else if (version < latest)
      results.push(
        warn(
          'schema',
          `version ${version}, this aiobscura uses ${latest}`,
          'the next `aiobscura sync` migrates it',
        ),
      );
    else
      results.push(
        fail(
          'schema',
          `version ${version} is newer than this aiobscura understands (${latest})`,
          'upgrade aiobscura',
        ),
      );
    return results;
  } catch (err) {
    return [
      fail('database', `${databasePath} (${sizeText}) cannot be read: ${(err as Error).message}`, rebuild),
    ];
  } finally {
    db?.close();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Who holds the sync lock, found the way sync finds it: by trying to take it (the lock is a kernel lock,
 * the PID file only names the holder). Taken and released at once when free; a sync starting in that
 * instant would be refused once, which a service's restart policy absorbs.
 */
export function checkLock(databasePath: string): CheckResult {
  const pidFile = `${databasePath}.lock.pid`;
  if (!fs.existsSync(databasePath)) return ok('lock', 'no database yet, so no sync holds it');
  const recorded = readPid(pidFile);
  try {
    SyncLock.acquire(databasePath).release();
  } catch (err) {
    if (!(err instanceof LockHeldError))
      return warn('lock', `cannot check ${databasePath}.lock: ${(err as Error).message}`);
    const pid = err.holderPid;
    if (pid === null)
      return warn(
        'lock',
        'held by a process that did not record its PID',
        `look for it: fuser ${databasePath}.lock`,
      );
    if (alive(pid)) return ok('lock', `held by PID ${pid} (running): a sync is active`);
    return warn(
      'lock',
      `held, but the recorded PID ${pid} is not running here (another container or PID namespace?)`,
      `look for the holder: fuser ${databasePath}.lock`,
    );
  }
  if (recorded !== null && recorded !== process.pid) {
    return ok(
      'lock',
      `free; removed the stale PID file of PID ${recorded} (${alive(recorded) ? 'running, but not holding it' : 'not running'})`,
    );
  }
  return ok('lock', 'free: no sync is running');
}
