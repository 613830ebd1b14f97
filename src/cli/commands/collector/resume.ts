/**
 * `collector resume [SESSION] [--reset-cursors]`: lifts a pause, makes a session retry at once, or (after the
 * user confirmed a new server) resets the cursors. Applied under the sync lock, by the running `sync` when
 * there is one (requests.ts), and it says what it resumed, or that nothing was paused.
 */
import type { ResolvedConfig } from '../../../config/index.js';
import { resolveSessionId } from '../../../store/index.js';
import type { Out } from '../../output.js';
import { plural, printJson } from '../../output.js';
import { applyUnderLock } from './requests.js';
import { CommandError, collectorModule, configuredServer, withDb } from './shared.js';

type ResumeResult = import('../../../collector/index.js').ResumeResult;

export interface ResumeOptions {
  session?: string;
  resetCursors?: boolean;
  json?: boolean;
}

export async function resumeCommand(config: ResolvedConfig, opts: ResumeOptions, out: Out): Promise<number> {
  const c = await collectorModule();
  const serverUrl = configuredServer(c, config);
  if (opts.resetCursors && serverUrl === null)
    throw new CommandError(
      'collector resume --reset-cursors: no server_url is configured; run `aiobscura collector register` first',
    );
  const session = opts.session ? withDb(config, (db) => resolveSessionId(db, opts.session!)) : null;
  const applied = await applyUnderLock(c, config, {
    kind: 'resume',
    session,
    reset_cursors: opts.resetCursors === true,
    server_url: serverUrl,
  });
  if (!applied.done) {
    const text =
      `asked the running sync (PID ${applied.holder}); it has not applied the request yet. It applies ` +
      'requests between passes (an older aiobscura only when restarted); `aiobscura collector status` shows ' +
      'the result.';
    if (opts.json) printJson(out, { applied: false, pending_with: applied.holder });
    else out.stdout(`${text}\n`);
    return 1;
  }
  const r = applied.result;
  if (opts.json) printJson(out, { applied: r.ok, applied_by: applied.by, ...r });
  else out.stdout(renderResume(r, applied.by));
  return r.ok ? 0 : 1;
}

export function renderResume(r: ResumeResult, by: number | null): string {
  if (!r.ok) return `nothing was done: ${r.error}\n`;
  const lines: string[] = [];
  if (by !== null) lines.push(`the running sync (PID ${by}) applied it:`);
  if (r.cursors_reset)
    lines.push(
      `cursors reset: everything is published again to ${r.cursors_reset.server_url} ` +
        `(${plural(r.cursors_reset.sessions, 'session')} had been published; the server drops duplicates)`,
    );
  lines.push(
    r.pause_lifted
      ? `lifted the pause (${r.pause_lifted.reason}${r.pause_lifted.detail ? `: ${r.pause_lifted.detail}` : ''}); publishing resumes with the next round`
      : 'nothing was paused',
  );
  if (r.session) {
    const s = r.session;
    lines.push(
      s.was_waiting
        ? `session ${s.id} retries now (it had failed ${plural(s.failed_rounds, 'round')}${s.error ? `: ${s.error}` : ''})`
        : `session ${s.id} was not waiting to retry: nothing to resume for it`,
    );
  }
  return `${lines.join('\n')}\n`;
}
