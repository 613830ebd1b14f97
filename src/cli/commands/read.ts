import type { ResolvedConfig } from '../../config/index.js';
import {
  type Db,
  databaseSize,
  listSessions,
  openDatabase,
  resolveSessionId,
  type SessionFilter,
  type StatsGroup,
  sessionRow,
  stats,
  subAgents,
  type TranscriptMessage,
  totals,
  transcript,
} from '../../store/index.js';
import {
  formatBytes,
  formatCount,
  type Out,
  plural,
  printJson,
  shortTime,
  table,
  truncate,
} from '../output.js';

function withDb<T>(config: ResolvedConfig, fn: (db: Db) => T): T {
  const db = openDatabase(config.databasePath, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export function sessionsCommand(
  config: ResolvedConfig,
  filter: SessionFilter,
  json: boolean,
  out: Out,
): number {
  const rows = withDb(config, (db) => listSessions(db, filter));
  if (json) {
    printJson(out, rows);
    return 0;
  }
  if (rows.length === 0) {
    out.stdout('No sessions match.\n');
    return 0;
  }
  const body = rows.map((r) => [
    r.id,
    r.assistant,
    shortTime(r.last_activity_at),
    r.messages,
    r.prompts,
    r.tokens_input + r.tokens_output + r.tokens_cache_read + r.tokens_cache_creation,
    truncate(r.cwd ?? '', 40),
  ]);
  out.stdout(
    `${table(['SESSION', 'ASSISTANT', 'LAST ACTIVITY', 'MSGS', 'PROMPTS', 'TOKENS', 'PROJECT'], body)}\n`,
  );
  return 0;
}

function renderMessage(m: TranscriptMessage, indent: string): string {
  const head = `${indent}#${m.seq} ${shortTime(m.emitted_at)} ${m.author_role}/${m.message_type}`;
  switch (m.message_type) {
    case 'tool_call':
      return `${head} ${m.tool_name ?? '?'} [${m.tool_use_id ?? ''}]\n${indent}  ${truncate(m.tool_input ?? '', 200)}`;
    case 'tool_result':
      return `${head} [${m.tool_use_id ?? ''}]${m.is_error ? ' ERROR' : ''}\n${indent}  ${truncate(m.tool_result ?? m.content ?? '', 200)}`;
    default: {
      const tokens =
        m.tokens_output !== null
          ? ` (${m.tokens_input ?? 0} in, ${m.tokens_output} out, ${m.tokens_cache_read ?? 0} cached)`
          : '';
      return `${head}${m.model ? ` ${m.model}` : ''}${tokens}\n${indent}  ${truncate(m.content ?? '', 400)}`;
    }
  }
}

/** `aiobscura show SESSION`: the transcript, with each sub-agent shown under the tool call that spawned it. */
export function showCommand(config: ResolvedConfig, idOrPrefix: string, json: boolean, out: Out): number {
  withDb(config, (db) => {
    const id = resolveSessionId(db, idOrPrefix);
    const session = sessionRow(db, id);
    const messages = transcript(db, id);
    const agents = subAgents(db, id).map((a) => ({ ...a, messages: transcript(db, a.session_id) }));
    if (json) {
      printJson(out, { session, messages, subAgents: agents });
      return;
    }
    const byTool = new Map(
      agents.filter((a) => a.spawned_by_tool_use_id).map((a) => [a.spawned_by_tool_use_id!, a]),
    );
    out.stdout(
      `Session ${id} (${session.assistant}${session.model ? `, ${session.model}` : ''})\n` +
        `  project ${session.cwd ?? '?'}${session.git_branch ? ` @ ${session.git_branch}` : ''}\n` +
        `  ${shortTime(session.started_at)} → ${shortTime(session.last_activity_at)}, ${formatCount(messages.length)} messages\n\n`,
    );
    const shown = new Set<string>();
    for (const m of messages) {
      out.stdout(`${renderMessage(m, m.thread === 'main' ? '' : '  ')}\n`);
      const agent = m.message_type === 'tool_call' && m.tool_use_id ? byTool.get(m.tool_use_id) : undefined;
      if (agent) {
        shown.add(agent.session_id);
        out.stdout(`  ┌ sub-agent ${agent.session_id} (${agent.messages.length} messages)\n`);
        for (const am of agent.messages) out.stdout(`${renderMessage(am, '  │ ')}\n`);
        out.stdout('  └\n');
      }
    }
    for (const a of agents.filter((x) => !shown.has(x.session_id))) {
      out.stdout(`\nSub-agent ${a.session_id} (spawning call unknown, ${a.messages.length} messages)\n`);
      for (const am of a.messages) out.stdout(`${renderMessage(am, '  ')}\n`);
    }
  });
  return 0;
}

export function statsCommand(config: ResolvedConfig, by: StatsGroup[], json: boolean, out: Out): number {
  withDb(config, (db) => {
    const groups = Object.fromEntries(by.map((g) => [g, stats(db, g)]));
    const result = { totals: totals(db), database: databaseSize(config.databasePath), ...groups };
    if (json) {
      printJson(out, result);
      return;
    }
    const t = result.totals;
    const d = result.database;
    out.stdout(
      `${plural(t.sessions, 'session')}, ${plural(t.messages, 'message')} from ${plural(t.files, 'file')}, ` +
        `${plural(t.warnings, 'warning')}\n` +
        `database ${d.path}: ${formatBytes(d.totalBytes)} (${formatBytes(d.bytes)} + ${formatBytes(d.walBytes)} write-ahead log)\n`,
    );
    for (const g of by) {
      const rows = (groups[g] ?? []).map((r) => [
        r.key,
        r.sessions,
        r.messages,
        r.tokens_input,
        r.tokens_output,
        r.tokens_cache_read,
        r.tokens_cache_creation,
      ]);
      out.stdout(
        `\nBy ${g}\n${table([g.toUpperCase(), 'SESSIONS', 'MESSAGES', 'INPUT', 'OUTPUT', 'CACHE READ', 'CACHE WRITE'], rows)}\n`,
      );
    }
  });
  return 0;
}

export function warningsCommand(config: ResolvedConfig, limit: number, json: boolean, out: Out): number {
  withDb(config, (db) => {
    const rows = db
      .prepare('SELECT path, line_no, reason, created_at FROM ingest_warnings ORDER BY id DESC LIMIT ?')
      .all(limit) as { path: string; line_no: number | null; reason: string; created_at: string }[];
    if (json) printJson(out, rows);
    else if (rows.length === 0) out.stdout('No warnings.\n');
    else for (const r of rows) out.stdout(`${r.path}:${r.line_no ?? '?'}: ${r.reason}\n`);
  });
  return 0;
}
