/**
 * Changes to the collector's state asked for by a command (issue 9 §5). Only the process holding the sync
 * lock publishes, so only it may move cursors or lift pauses: a command that finds the lock free takes it
 * and applies the change itself; one that finds it held records the request in `collector_requests` and
 * signals the holder (SIGUSR1), which applies it between passes with its publisher stopped, in one
 * transaction with the state change, and records the result the command is waiting for. A holder that ends
 * first leaves the request open; the next `sync` applies it when it starts.
 *
 * The request names the server the command saw in the config file. The holder applies a cursor reset only
 * when it publishes to that same server (after re-reading its configuration), so a daemon still running
 * with an old `server_url` can never acknowledge cursors meant for the new one.
 */
import type { Db } from '../store/index.js';
import { SessionTracker } from './tracker.js';

/** `collector resume` (and what `collector register` leaves to do). */
export interface ResumeRequest {
  kind: 'resume';
  /** Clear this session's failed state / retry wait (the local id), or null for none. */
  session: string | null;
  reset_cursors: boolean;
  /** The server the command's configuration names (normalized). */
  server_url: string | null;
}

export interface ResumeResult {
  ok: boolean;
  /** Why nothing was done (only when `ok` is false). */
  error: string | null;
  /** The pause that was lifted, or null when nothing was paused. */
  pause_lifted: { reason: string; detail: string | null } | null;
  /** The cursors reset for `server_url`: how many sessions had something acknowledged before. */
  cursors_reset: { server_url: string; sessions: number } | null;
  /** The session asked about: whether it was waiting (failed rounds) and now retries at once. */
  session: { id: string; was_waiting: boolean; failed_rounds: number; error: string | null } | null;
}

/** Applies a resume with the lock held. `serverUrl` is the holder's own (normalized) server. */
export function applyResume(db: Db, req: ResumeRequest, serverUrl: string | null, now: string): ResumeResult {
  const result: ResumeResult = {
    ok: true,
    error: null,
    pause_lifted: null,
    cursors_reset: null,
    session: null,
  };
  if (req.reset_cursors && req.server_url !== serverUrl) {
    return {
      ...result,
      ok: false,
      error:
        `the running sync publishes to ${serverUrl ?? '(no server_url)'}, not to ${req.server_url ?? '(no server_url)'}: ` +
        "its configuration differs from this command's (environment, --config); nothing was reset",
    };
  }
  const tracker = new SessionTracker(db, serverUrl);
  return db.transaction(() => {
    const g = tracker.global();
    if (g.pausedReason !== null) result.pause_lifted = { reason: g.pausedReason, detail: g.pausedDetail };
    if (req.reset_cursors && serverUrl !== null) {
      result.cursors_reset = { server_url: serverUrl, sessions: tracker.resetCursors(serverUrl, now) };
    }
    tracker.clearPause();
    if (req.session !== null) {
      const was = tracker.retryNow(req.session, now);
      result.session = {
        id: req.session,
        was_waiting: was !== null,
        failed_rounds: was?.failedRounds ?? 0,
        error: was?.error ?? null,
      };
    }
    return result;
  })();
}

/** Records a request for the lock holder; returns its id. */
export function recordRequest(db: Db, req: ResumeRequest, now: string): number {
  return Number(
    db
      .prepare('INSERT INTO collector_requests (kind, args, requested_at, requested_by) VALUES (?, ?, ?, ?)')
      .run(req.kind, JSON.stringify(req), now, process.pid).lastInsertRowid,
  );
}

/** The holder's result for request `id`, or null while it is open. */
export function requestResult(db: Db, id: number): ResumeResult | null {
  const r = db
    .prepare('SELECT result FROM collector_requests WHERE id = ? AND done_at IS NOT NULL')
    .get(id) as { result: string } | undefined;
  return r ? (JSON.parse(r.result) as ResumeResult) : null;
}

export function hasOpenRequests(db: Db): boolean {
  return db.prepare('SELECT 1 FROM collector_requests WHERE done_at IS NULL LIMIT 1').get() !== undefined;
}

/**
 * Applies every open request in order (the caller holds the lock and runs no publisher). Each result is
 * stored in the same transaction as the change it describes. Returns what was done, for the log.
 */
export function applyOpenRequests(
  db: Db,
  serverUrl: string | null,
  now: string,
): { id: number; requestedBy: number | null; result: ResumeResult }[] {
  const open = db
    .prepare('SELECT id, kind, args, requested_by FROM collector_requests WHERE done_at IS NULL ORDER BY id')
    .all() as { id: number; kind: string; args: string; requested_by: number | null }[];
  const done = db.prepare('UPDATE collector_requests SET done_at = ?, result = ? WHERE id = ?');
  return open.map((r) =>
    db.transaction(() => {
      const result =
        r.kind === 'resume'
          ? applyResume(db, JSON.parse(r.args) as ResumeRequest, serverUrl, now)
          : unknownKind(r.kind);
      done.run(now, JSON.stringify(result), r.id);
      return { id: r.id, requestedBy: r.requested_by, result };
    })(),
  );
}

function unknownKind(kind: string): ResumeResult {
  return {
    ok: false,
    error: `unknown request kind "${kind}" (written by another aiobscura version)`,
    pause_lifted: null,
    cursors_reset: null,
    session: null,
  };
}
