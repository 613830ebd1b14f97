/**
 * Everything after an agent ran one scenario: copy its files out (first, so the logs survive a failing
 * check), ingest and publish them, read back the database and the server, and turn it into checks.
 */
import type { RunningCatsyphonServer } from '../test/support/catsyphon/index.js';
import { captureRun } from './capture.js';
import { type CheckRow, checkScenario, type ServerView } from './check.js';
import { ingestAndPublish } from './ingest.js';
import type { RefusingProxy } from './offline.js';
import { rawUsageRow } from './raw-usage.js';
import type { ScenarioResult } from './report.js';
import type { ScenarioRun } from './runner.js';
import type { AgentSpec } from './spec.js';
import { readStored } from './stored.js';

export interface ResultContext {
  spec: AgentSpec;
  version: string;
  ingestSupported: boolean;
  server: RunningCatsyphonServer;
  copyLogs: string | null;
  proxy: RefusingProxy | null;
  log: (m: string) => void;
}

function servedCounts(run: ScenarioRun): ScenarioResult['served'] {
  const s = run.served;
  return {
    script: s.filter((x) => x.role === 'script').length,
    aux: s.filter((x) => x.role === 'aux').length,
    extra: s.filter((x) => x.role === 'extra').length,
    errors: s.filter((x) => x.status >= 400).length,
  };
}

function offlineRow(run: ScenarioRun, proxied: string[]): CheckRow {
  const connects = run.foreign ?? [];
  const figure =
    `${run.traced} connect() traced, to non-loopback: ${connects.length === 0 ? 'none' : connects.join(', ')}; ` +
    `proxy asked for: ${proxied.length === 0 ? 'nothing' : proxied.join(', ')}`;
  // Attempts cannot succeed in the namespace; they are listed so a phone-home shows, not failed on.
  return {
    check: 'offline',
    status: connects.length === 0 && proxied.length === 0 ? 'PASS' : 'INFO',
    figure,
  };
}

async function ingestChecks(
  ctx: ResultContext,
  run: ScenarioRun,
): Promise<{ checks: CheckRow[]; unknown: ScenarioResult['unknownKinds'] }> {
  const creds = ctx.server.admin.registerCollector({ hostname: `agents-${ctx.spec.name}` });
  const lastRequest = ctx.server.admin.requests().at(-1)?.id ?? 0;
  const ingest = await ingestAndPublish({
    workDir: run.dir,
    flag: ctx.spec.ingest.flag,
    logDir: ctx.spec.ingest.dir(run.ctx.home),
    server: { url: ctx.server.url, collectorId: creds.collectorId, apiKey: creds.apiKey },
  });
  const stored = readStored(ingest.db);
  const server: ServerView = {
    rows: ctx.server.admin
      .rows()
      .filter((r) => r.collectorId === creds.collectorId)
      .map((r) => ({ type: r.type, data: r.data })),
    refused: ctx.server.admin
      .requests()
      .filter((r) => r.id > lastRequest && r.status !== null && r.status >= 400).length,
  };
  const checks = checkScenario(run.scenario, run.served, stored, server, run.systems);
  return {
    checks,
    unknown: stored.unknown.map(({ kind, note, count, contentBearing }) => ({
      kind,
      note,
      count,
      contentBearing,
    })),
  };
}

export async function scenarioResult(ctx: ResultContext, run: ScenarioRun): Promise<ScenarioResult> {
  const proxied = ctx.proxy?.take() ?? [];
  let captured = 0;
  if (ctx.copyLogs) captured = captureRun(ctx.copyLogs, ctx.spec, ctx.version, run).length;
  const turns = run.turns.map((t) => ({
    exit: t.code === null ? String(t.signal ?? 'spawn failed') : String(t.code),
    seconds: Math.round(t.ms / 100) / 10,
    timedOut: t.timedOut,
  }));
  const result: ScenarioResult = {
    id: run.scenario.id,
    title: run.scenario.title,
    status: run.turns.some((t) => t.timedOut || t.code === null) ? 'failed' : 'ran',
    turns,
    served: servedCounts(run),
    unhandled: [...new Set(run.unhandled.map((u) => `${u.method} ${u.path}`))],
    checks: [],
    unknownKinds: [],
    offline: run.foreign === null && ctx.proxy === null ? null : { connects: run.foreign ?? [], proxied },
    captured,
  };
  result.checks.push(rawUsageRow(run.ctx.home, ctx.spec.logRoots, run.served));
  if (!ctx.ingestSupported) {
    result.checks.push({
      check: 'ingest',
      status: 'SKIP',
      figure: `not supported yet (the CLI has no ${ctx.spec.ingest.flag})`,
    });
  } else {
    try {
      const { checks, unknown } = await ingestChecks(ctx, run);
      result.checks.push(...checks);
      result.unknownKinds = unknown;
    } catch (e) {
      result.checks.push({ check: 'ingest', status: 'FAIL', figure: (e as Error).message.slice(0, 600) });
    }
  }
  if (result.offline) result.checks.push(offlineRow(run, proxied));
  return result;
}
