/**
 * The read-only collector commands: `stats`, `sessions`, `preview`, `rejections`. `--json` follows one
 * convention (issue 11 §4): snake_case keys, real booleans, nested JSON as objects; text mode is for people
 * and never prints raw JSON lines.
 */
import type { ResolvedConfig } from '../../../config/index.js';
import { resolveSessionId } from '../../../store/index.js';
import { formatCount, type Out, printJson, shortTime, table } from '../../output.js';
import { collectorModule, configuredServer, readDb } from './shared.js';
import { latencyLine } from './status-parts.js';

type CollectorEvent = import('../../../collector/index.js').CollectorEvent;

export async function statsCommand(config: ResolvedConfig, json: boolean, out: Out): Promise<number> {
  const c = await collectorModule();
  const s = readDb(config, (db) => c.publishStats(db));
  if (json) printJson(out, s);
  else {
    out.stdout(
      `${Object.entries(s.counters)
        .map(([k, v]) => `${k.padEnd(11)} ${formatCount(v)}`)
        .join('\n')}\n${latencyLine(s.latency_secs)}\n`,
    );
  }
  return 0;
}

export async function sessionsCommand(
  config: ResolvedConfig,
  all: boolean,
  json: boolean,
  out: Out,
): Promise<number> {
  const c = await collectorModule();
  const serverUrl = configuredServer(c, config);
  const rows = readDb(config, (db) => {
    const excluded = new c.SessionSelector(db, config.collector).excluded();
    // An excluded session is listed as such (with the reason) instead of as waiting to be published.
    return c.publishSessions(db, serverUrl, all).map((r) => {
      const reason = excluded.get(r.session_id);
      return reason === undefined
        ? { ...r, excluded_reason: null }
        : { ...r, status: 'excluded', excluded_reason: reason };
    });
  });
  if (json) printJson(out, rows);
  else if (rows.length === 0) out.stdout(all ? 'No sessions.\n' : 'Nothing waiting to be published.\n');
  else {
    out.stdout(
      `${table(
        ['SESSION', 'STATUS', 'SENT UP TO', 'LAST SEQ', 'PENDING', 'LAST PUBLISHED', 'ERROR / REASON'],
        rows.map((r) => [
          r.session_id,
          r.status,
          r.last_published_seq,
          r.last_seq,
          r.pending,
          shortTime(r.last_published_at),
          r.error_message ?? r.excluded_reason ?? '',
        ]),
      )}\n`,
    );
  }
  return 0;
}

/**
 * `collector preview SESSION`: exactly the events that would be sent (withheld content, redaction,
 * sanitising, shrinking); an excluded session previews as nothing, with the reason on stderr. `--json` is
 * the wire form (event `data` as sent, so its keys are the server's); text shows each event readably.
 */
export async function previewCommand(
  config: ResolvedConfig,
  opts: { session: string; limit: number; json?: boolean },
  out: Out,
): Promise<number> {
  const c = await collectorModule();
  const preview = readDb(config, (db) => {
    const id = resolveSessionId(db, opts.session);
    const tracker = new c.SessionTracker(db);
    const session = tracker.session(id);
    const messages = tracker.messagesAfter(id, 0, opts.limit);
    const wire = c.wireSessionId(id);
    const verdict = new c.SessionSelector(db, config.collector).verdict(id);
    if (!verdict.publish) return { session_id: wire, excluded: verdict.reason, events: [] };
    const mapping = c.mappingOptionsFor(config.collector);
    const start = session
      ? [
          c.sessionStartEvent(
            session,
            messages[0]?.observedAt ?? new Date().toISOString(),
            mapping.maxEventBytes,
            mapping.redact,
          ),
        ]
      : [];
    const events: CollectorEvent[] = [
      ...start,
      ...messages.flatMap((m) => c.messageEvents(m, wire, mapping)),
    ];
    return { session_id: wire, excluded: null, events };
  });
  if (preview.excluded !== null && !opts.json)
    out.stderr(`session ${preview.session_id} is excluded (${preview.excluded}): nothing is sent\n`);
  if (opts.json) printJson(out, preview);
  else out.stdout(preview.events.map((e, i) => renderEvent(e, i + 1, preview.events.length)).join(''));
  return 0;
}

/** One event for a person: a header line, then its data indented (strings shown as text, not escaped). */
function renderEvent(e: CollectorEvent, n: number, total: number): string {
  const lines = [`event ${n}/${total}  ${e.type}  ${e.emitted_at}  hash ${e.event_hash}`];
  for (const [k, v] of Object.entries(e.data)) {
    const text = typeof v === 'string' ? v : JSON.stringify(v, null, 2);
    const [first, ...rest] = text.split('\n');
    lines.push(`  ${k}: ${first}`, ...rest.map((l) => `    ${l}`));
  }
  return `${lines.join('\n')}\n\n`;
}

export async function rejectionsCommand(
  config: ResolvedConfig,
  limit: number,
  json: boolean,
  out: Out,
): Promise<number> {
  const c = await collectorModule();
  const rows = readDb(config, (db) => c.rejections(db, limit));
  if (json) printJson(out, rows);
  else if (rows.length === 0) out.stdout('No events were refused.\n');
  else
    for (const r of rows)
      out.stdout(
        `${r.created_at} ${r.session_id} #${r.seq} ${r.event_type} ${r.status ?? 'before sending'}: ${r.detail}\n`,
      );
  return 0;
}
