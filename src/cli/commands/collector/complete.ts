/** `collector complete SESSION`: the manual `/complete` call (DESIGN.md §3.6). */
import type { ResolvedConfig } from '../../../config/index.js';
import { resolveSessionId } from '../../../store/index.js';
import { type Out, plural, printJson } from '../../output.js';
import { CommandError, collectorModule, readDb } from './shared.js';

export async function completeCommand(
  config: ResolvedConfig,
  opts: { session: string; outcome: string; summary?: string; json?: boolean },
  out: Out,
): Promise<number> {
  const cc = config.collector;
  if (!cc.enabled) throw new CommandError('the collector is disabled (collector.enabled = false)');
  const c = await collectorModule();
  const id = readDb(config, (db) => resolveSessionId(db, opts.session));
  const wire = c.wireSessionId(id);
  const o = await c.clientFor(cc).completeSession(wire, {
    outcome: opts.outcome,
    ...(opts.summary ? { summary: opts.summary } : {}),
  });
  const detail =
    o.kind === 'completed' ? null : 'detail' in o && typeof o.detail === 'string' ? o.detail : o.kind;
  const report =
    o.kind === 'completed'
      ? {
          completed: true,
          session_id: id,
          wire_session_id: wire,
          conversation_id: o.result.conversation_id,
          status: o.result.status,
          total_events: o.result.total_events,
          error: null,
        }
      : {
          completed: false,
          session_id: id,
          wire_session_id: wire,
          conversation_id: null,
          status: null,
          total_events: null,
          error: { kind: o.kind, detail },
        };
  if (opts.json) printJson(out, report);
  else if (o.kind === 'completed')
    out.stdout(
      `completed ${id} on the server (outcome ${opts.outcome}): status ${o.result.status}, ` +
        `${plural(o.result.total_events, 'event')}, conversation ${o.result.conversation_id}\n`,
    );
  else out.stdout(`not completed: ${completeProblem(o.kind, detail)}\n`);
  return o.kind === 'completed' ? 0 : 1;
}

function completeProblem(kind: string, detail: string | null): string {
  switch (kind) {
    case 'notFound':
      return 'the server has no events for this session yet (publish it first: `aiobscura collector flush`)';
    case 'foreignSession':
      return 'the server holds this session for another collector';
    case 'paused':
      return `the server refused the credentials or this collector: ${detail}`;
    default:
      return `${kind}: ${detail}`;
  }
}
