/**
 * The checks that need no network besides the database (database.ts): the log directories and the sync lock.
 */
import fs from 'node:fs';
import { logDirectories, type ResolvedConfig } from '../config/index.js';
import { writeProblem } from '../store/index.js';
import { LockHeldError, readPid, SyncLock } from '../sync/index.js';
import { type CheckResult, fail, ok, warn } from './types.js';

export function checkLogDirs(config: Pick<ResolvedConfig, 'dirs' | 'dirOrigins'>): CheckResult[] {
  const dirs = logDirectories(config).map((d) => ({ ...d, check: `${d.assistant} logs` }));
  const results = dirs.map(({ check, dir, key, flag, explicit, label }) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // An agent's default place that does not exist: that agent is just not used on this machine.
      if (code === 'ENOENT' && !explicit) return ok(check, `${dir} does not exist (no ${label} logs here)`);
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
  if (dirs.every((d) => !fs.existsSync(d.dir))) {
    // One missing assistant is normal; none at all means nothing will ever be ingested.
    return results.map((r) => ({
      ...r,
      status: 'fail' as const,
      fix: r.fix ?? 'no agent log directory exists here: point sources.<agent>_dir (or --<agent>-dir) at one',
    }));
  }
  return results;
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
  // Taking the lock writes beside the database; without write access only the PID file can be read.
  const problem = writeProblem(databasePath);
  if (problem) {
    if (recorded === null) return ok('lock', 'no sync recorded a PID (not taken to check: read-only here)');
    return alive(recorded)
      ? ok('lock', `PID ${recorded} (running) recorded that it holds it (not taken to check: read-only here)`)
      : ok('lock', `free: the recorded PID ${recorded} is not running (not taken to check: read-only here)`);
  }
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
