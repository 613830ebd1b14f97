/**
 * The checks of one agent × scenario, each with its figures: every served response stored (matched by its
 * distinctive usage), tool calls linked to results, token totals equal to what the API reported, unknown
 * record kinds, and publishing (server rows = events numbered, 0 rejections, no system prompt on the server).
 */
import type { Served, Usage } from './api/types.js';
import type { Scenario } from './scenarios.js';
import type { Stored } from './stored.js';

export type Status = 'PASS' | 'FAIL' | 'SKIP' | 'INFO';

export interface CheckRow {
  check: string;
  status: Status;
  figure: string;
}

export interface ServerView {
  /** Data of the rows the server stored for this scenario's collector. */
  rows: { type: string; data: Record<string, unknown> }[];
  /** Answers of 4xx/5xx the server gave this scenario's collector (validation failures and the like). */
  refused: number;
}

const ok = (b: boolean): Status => (b ? 'PASS' : 'FAIL');
const sameUsage = (u: Usage, r: { input: number; output: number; cacheRead: number; cacheWrite: number }) =>
  u.input === r.input &&
  u.output === r.output &&
  u.cacheRead === r.cacheRead &&
  u.cacheWrite === r.cacheWrite;

function sum(list: Usage[]): Usage {
  const t = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  for (const u of list) {
    t.input += u.input;
    t.output += u.output;
    t.cacheRead += u.cacheRead;
    t.cacheWrite += u.cacheWrite;
  }
  return t;
}

export const fmtUsage = (u: Usage) =>
  `in ${u.input} out ${u.output} cache-read ${u.cacheRead} cache-write ${u.cacheWrite}`;

function responsesStored(sc: Scenario, served: Served[], st: Stored): CheckRow {
  const generated = served.filter((s) => s.usage !== null && s.role !== 'aux');
  const matched = generated.filter((s) => st.responses.some((r) => sameUsage(s.usage!, r)));
  const aux = served.filter((s) => s.role === 'aux' && s.usage !== null);
  const auxStored = aux.filter((s) => st.responses.some((r) => sameUsage(s.usage!, r))).length;
  // A sub-agent may hand its answer over as a tool input (Gemini's complete_task).
  const texts = st.messages.map((m) => `${m.content ?? ''}\n${m.toolInput ?? ''}`).join('\n');
  const missingTexts = sc.expect.texts.filter((t) => !texts.includes(t));
  const parts = [`${matched.length}/${generated.length} responses`];
  if (aux.length > 0) parts.push(`side requests ${auxStored}/${aux.length}`);
  if (missingTexts.length > 0) parts.push(`texts missing: ${missingTexts.join(' | ')}`);
  let pass = matched.length === generated.length && missingTexts.length === 0 && generated.length > 0;
  if (sc.expect.error !== null) {
    const errs = st.messages.filter((m) => m.type === 'error');
    const withText = errs.filter((m) => (m.content ?? '').includes(sc.expect.error!)).length;
    parts.push(`error messages ${errs.length} (${withText} with the served text)`);
    // Some agents (Gemini CLI and Qwen Code in -p mode) print an API error and write nothing of it to their
    // files: then there is nothing to store, and the check says so instead of failing.
    const written = st.raw.some((r) => r.includes(sc.expect.error!));
    if (!written) parts.push('the agent wrote no error to its files');
    pass = (errs.length > 0 || !written) && matched.length === generated.length;
  }
  return { check: 'responses stored', status: ok(pass), figure: parts.join('; ') };
}

function toolLinks(sc: Scenario, served: Served[], st: Stored): CheckRow {
  const calls = st.messages.filter((m) => m.type === 'tool_call');
  const results = st.messages.filter((m) => m.type === 'tool_result');
  const linked = calls.filter(
    (c) => c.toolUseId !== null && results.some((r) => r.toolUseId === c.toolUseId),
  );
  const servedIds = served.flatMap((s) =>
    s.reply.kind === 'tools' && s.role === 'script' ? s.reply.calls : [],
  );
  // Gemini's API has no call ids: the agent makes its own, so only the count can be matched there.
  const idsMatter = served.some((s) => s.dialect !== 'gemini');
  const servedMissing = idsMatter ? servedIds.filter((c) => !calls.some((m) => m.toolUseId === c.id)) : [];
  const resultText = results.map((r) => `${r.toolResult ?? ''}\n${r.content ?? ''}`).join('\n');
  const outputsMissing = sc.expect.toolOutputs.filter((o) => !resultText.includes(o));
  if (sc.expect.toolCalls === 0 && calls.length === 0) {
    return { check: 'tool calls linked', status: 'SKIP', figure: 'no tool call in this scenario' };
  }
  const parts = [`${linked.length}/${calls.length} stored calls have a result with the same id`];
  parts.push(`served calls ${servedIds.length} (expected ≥ ${sc.expect.toolCalls})`);
  if (servedMissing.length > 0)
    parts.push(`served ids not stored: ${servedMissing.map((c) => c.id).join(', ')}`);
  if (outputsMissing.length > 0) parts.push(`outputs missing: ${outputsMissing.join(', ')}`);
  else if (sc.expect.toolOutputs.length > 0) parts.push(`outputs ${sc.expect.toolOutputs.join(', ')} found`);
  const pass =
    linked.length === calls.length &&
    calls.length >= servedIds.length &&
    servedIds.length >= sc.expect.toolCalls &&
    servedMissing.length === 0 &&
    outputsMissing.length === 0;
  return { check: 'tool calls linked', status: ok(pass), figure: parts.join('; ') };
}

function serverUsage(server: ServerView): Usage {
  const list: Usage[] = [];
  for (const r of server.rows) {
    const t = r.data.token_usage as Record<string, number> | undefined;
    if (!t) continue;
    list.push({
      input: t.input_tokens ?? 0,
      output: t.output_tokens ?? 0,
      cacheRead: t.cache_read_input_tokens ?? 0,
      cacheWrite: t.cache_creation_input_tokens ?? 0,
    });
  }
  return sum(list);
}

function tokenTotals(served: Served[], st: Stored, server: ServerView): CheckRow {
  const reported = sum(served.filter((s) => s.usage !== null && s.role !== 'aux').map((s) => s.usage!));
  const withAux = sum(served.filter((s) => s.usage !== null).map((s) => s.usage!));
  const local = sum(st.responses);
  const remote = serverUsage(server);
  const eq = (a: Usage, b: Usage) => sameUsage(a, b);
  const localOk = eq(local, reported) || eq(local, withAux);
  const figure =
    `API ${fmtUsage(reported)}` +
    (eq(reported, withAux) ? '' : ` (+ side requests: ${fmtUsage(withAux)})`) +
    `; local ${eq(local, reported) || eq(local, withAux) ? '=' : fmtUsage(local)}` +
    `; server ${eq(remote, local) ? '=' : fmtUsage(remote)}`;
  return { check: 'token totals', status: ok(localOk && eq(remote, local)), figure };
}

function unknownKinds(st: Stored): CheckRow {
  if (st.unknown.length === 0) return { check: 'unknown record kinds', status: 'PASS', figure: 'none' };
  const bearing = st.unknown.filter((u) => u.contentBearing);
  const figure = st.unknown
    .map((u) => `${u.kind}×${u.count}${u.contentBearing ? ' (content)' : ''}`)
    .join(', ');
  return { check: 'unknown record kinds', status: bearing.length > 0 ? 'FAIL' : 'PASS', figure };
}

/** Whether a long piece of any system prompt reached the server (it must stay local). */
function systemPromptLeak(systems: string[], server: ServerView): number {
  const strings: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const r of server.rows) walk(r.data);
  const all = strings.join('\n');
  let leaks = 0;
  for (const s of systems) {
    if (s.length < 400) continue;
    const probes = [0.25, 0.5, 0.75].map((f) =>
      s.slice(Math.floor(s.length * f), Math.floor(s.length * f) + 120),
    );
    if (probes.some((p) => all.includes(p))) leaks++;
  }
  return leaks;
}

function published(st: Stored, server: ServerView, systems: string[]): CheckRow {
  const leaks = systemPromptLeak(systems, server);
  const parts = [
    `server rows ${server.rows.length} = numbered ${st.sentStored}`,
    `unsent ${st.unsent}`,
    `rejections ${st.rejections.length}`,
    `refused requests ${server.refused}`,
    `ingest warnings ${st.warnings.length}`,
    `system prompts on the server ${leaks}/${systems.filter((s) => s.length >= 400).length}`,
  ];
  const pass =
    server.rows.length === st.sentStored &&
    st.unsent === 0 &&
    st.rejections.length === 0 &&
    server.refused === 0 &&
    leaks === 0 &&
    server.rows.length > 0;
  return { check: 'published, 0 validator failures', status: ok(pass), figure: parts.join('; ') };
}

function subagentLinked(sc: Scenario, served: Served[], st: Stored): CheckRow | null {
  if (!sc.expect.subagent) return null;
  const subServed = served.filter((s) => s.conversation?.startsWith('sub-')).length;
  const childSessions = st.sessions.filter((s) => s.parent !== null).length;
  const agentThreads = st.threads.filter((t) => t.key !== 'main' && t.spawnedByToolUseId !== null).length;
  const figure = `sub-agent requests served ${subServed}; child sessions ${childSessions}; linked threads ${agentThreads}`;
  return { check: 'sub-agent linked', status: ok(subServed > 0 && childSessions + agentThreads > 0), figure };
}

export function checkScenario(
  sc: Scenario,
  served: Served[],
  st: Stored,
  server: ServerView,
  systems: string[],
): CheckRow[] {
  const rows = [
    responsesStored(sc, served, st),
    toolLinks(sc, served, st),
    tokenTotals(served, st, server),
    unknownKinds(st),
    published(st, server, systems),
  ];
  const sub = subagentLinked(sc, served, st);
  if (sub) rows.push(sub);
  return rows;
}
