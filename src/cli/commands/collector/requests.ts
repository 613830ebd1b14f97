/**
 * The command side of collector requests (collector/requests.ts): a state change is applied under the sync
 * lock, by this process when the lock is free, or by the process holding it, which this one signals and
 * then waits for. What the holder did comes back as the request's stored result.
 */
import type { ResolvedConfig } from '../../../config/index.js';
import { type Db, openDatabase } from '../../../store/index.js';
import { LockHeldError, SyncLock } from '../../../sync/index.js';
import { type CollectorModule, configuredServer, withDb } from './shared.js';

type ResumeRequest = import('../../../collector/index.js').ResumeRequest;
type ResumeResult = import('../../../collector/index.js').ResumeResult;

/** How long a command waits for the lock holder, which applies requests between its passes. */
export const REQUEST_WAIT_MS = 20_000;

export type Applied =
  /** `by`: the PID of the running sync that applied it, or null when this process did. */
  | { done: true; result: ResumeResult; by: number | null }
  /** Recorded and signalled, not applied within the wait: the holder applies it later. */
  | { done: false; holder: number };

/** Requests left open by a holder that ended: whoever takes the lock next applies them first. */
export function applyPendingRequests(c: CollectorModule, db: Db, config: ResolvedConfig): void {
  if (c.hasOpenRequests(db)) c.applyOpenRequests(db, configuredServer(c, config), new Date().toISOString());
}

export async function applyUnderLock(
  c: CollectorModule,
  config: ResolvedConfig,
  req: ResumeRequest,
  waitMs = REQUEST_WAIT_MS,
): Promise<Applied> {
  let lock: SyncLock;
  try {
    lock = SyncLock.acquire(config.databasePath);
  } catch (err) {
    if (err instanceof LockHeldError && err.holderPid)
      return viaHolder(c, config, req, err.holderPid, waitMs);
    throw err;
  }
  try {
    return withDb(config, (db) => {
      applyPendingRequests(c, db, config);
      const result = c.applyResume(db, req, configuredServer(c, config), new Date().toISOString());
      return { done: true, result, by: null };
    });
  } finally {
    lock.release();
  }
}

async function viaHolder(
  c: CollectorModule,
  config: ResolvedConfig,
  req: ResumeRequest,
  holder: number,
  waitMs: number,
): Promise<Applied> {
  const id = withDb(config, (db) => c.recordRequest(db, req, new Date().toISOString()));
  // SIGUSR1 is "publish now, and look at your requests": an older sync that only publishes is not harmed.
  process.kill(holder, 'SIGUSR1');
  const until = Date.now() + waitMs;
  const db = openDatabase(config.databasePath);
  try {
    for (;;) {
      const result = c.requestResult(db, id);
      if (result) return { done: true, result, by: holder };
      if (Date.now() > until) return { done: false, holder };
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    db.close();
  }
}
