/**
 * `npm run agents [-- flags]`: the agents' current versions, run offline against a scripted model API, their
 * session files ingested and published, and checked. Two phases: installing (needs the npm registry), then
 * running, re-executed inside a network namespace with loopback only (see offline.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCatsyphonServer } from '../test/support/catsyphon/index.js';
import { REPO_ROOT } from '../test/support/corpus.js';
import { startScriptedApi } from './api/server.js';
import { cliHasFlag } from './ingest.js';
import { installAgent, latestVersion, nodeFor } from './install.js';
import {
  canIsolate,
  hasStrace,
  nonLoopbackInterfaces,
  reexecIsolated,
  startRefusingProxy,
} from './offline.js';
import { HELP, type Options, parseOptions } from './options.js';
import { AGENT_NAMES, agentSpec } from './registry.js';
import { type AgentResult, type Results, renderMarkdown, writeReport } from './report.js';
import { runScenario } from './runner.js';
import { scenarioResult } from './scenario-result.js';
import type { AgentName } from './spec.js';

const CACHE = path.join(REPO_ROOT, '.agents-cache');

interface PlanEntry {
  agent: AgentName;
  version: string | null;
  installDir: string | null;
  node: string | null;
  failure: { status: AgentResult['status']; reason: string } | null;
}

interface Plan {
  entries: PlanEntry[];
  runDir: string;
  isolation: string;
}

function log(msg: string): void {
  process.stderr.write(`[agents ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function pinned(): Record<string, string> {
  return JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'agents', 'versions.json'), 'utf8')) as Record<
    string,
    string
  >;
}

async function planAgent(
  name: AgentName,
  opts: Options,
  versions: Record<string, string>,
): Promise<PlanEntry> {
  const spec = agentSpec(name);
  const entry: PlanEntry = { agent: name, version: null, installDir: null, node: null, failure: null };
  try {
    entry.version = opts.latest ? await latestVersion(spec) : (versions[name] ?? (await latestVersion(spec)));
    if (spec.notRunnable) {
      entry.failure = { status: 'not runnable offline', reason: spec.notRunnable };
      return entry;
    }
    entry.installDir = await installAgent(CACHE, spec, entry.version, log);
    entry.node = await nodeFor(CACHE, spec.nodeMajor, log);
  } catch (e) {
    entry.failure = { status: 'install failed', reason: (e as Error).message.slice(0, 800) };
  }
  return entry;
}

function machine(): string {
  const c = os.cpus();
  return `${c.length} × ${c[0]?.model ?? 'cpu'}, ${(os.totalmem() / 1e9).toFixed(1)} GB, ${os.type()} ${os.release()} ${os.arch()}, Node ${process.version}`;
}

async function runPhase(opts: Options, plan: Plan, command: string): Promise<Results> {
  const api = await startScriptedApi();
  const server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
  const proxy = opts.offlineCheck ? await startRefusingProxy() : null;
  const trace = opts.offlineCheck && hasStrace();
  if (opts.offlineCheck && !trace) log('strace is not installed: --offline-check lists proxy requests only');
  const results: Results = {
    command,
    date: new Date().toISOString(),
    machine: machine(),
    isolation: plan.isolation,
    agents: [],
  };
  try {
    for (const e of plan.entries) {
      const spec = agentSpec(e.agent);
      const ingestSupported = await cliHasFlag(spec.ingest.flag);
      const agent: AgentResult = {
        agent: e.agent,
        title: spec.title,
        version: e.version,
        status: e.failure?.status ?? 'ran',
        ingest: ingestSupported ? spec.ingest.flag : 'not supported yet',
        scenarios: [],
        ...(e.failure ? { reason: e.failure.reason } : {}),
      };
      results.agents.push(agent);
      if (e.failure) {
        log(`${spec.title} ${e.version ?? ''}: ${e.failure.status}: ${e.failure.reason.slice(0, 200)}`);
        continue;
      }
      for (const id of opts.scenarios) {
        log(`${spec.title} ${e.version}: scenario ${id}`);
        const run = await runScenario(spec, id, {
          runDir: plan.runDir,
          api,
          installDir: e.installDir!,
          node: e.node!,
          timeoutMs: opts.timeoutSecs * 1000,
          trace,
          extraEnv: proxy?.env ?? {},
          log,
        });
        if ('skip' in run) {
          agent.scenarios.push({
            id,
            title: id,
            status: 'skipped',
            note: run.skip,
            turns: [],
            served: { script: 0, aux: 0, extra: 0, errors: 0 },
            unhandled: [],
            checks: [],
            unknownKinds: [],
            offline: null,
            captured: 0,
          });
          continue;
        }
        const ctx = {
          spec,
          version: e.version!,
          ingestSupported,
          server,
          copyLogs: opts.copyLogs,
          proxy,
          log,
        };
        agent.scenarios.push(await scenarioResult(ctx, run));
      }
    }
  } finally {
    await proxy?.close();
    await server.close();
    await api.close();
  }
  return results;
}

function emit(opts: Options, results: Results): void {
  fs.writeFileSync(path.join(CACHE, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  if (opts.report) writeReport(path.resolve(REPO_ROOT, opts.report), results);
  process.stdout.write(opts.json ? `${JSON.stringify(results, null, 2)}\n` : renderMarkdown(results));
  const failed = results.agents.some(
    (a) =>
      a.status === 'install failed' ||
      a.scenarios.some((s) => s.status === 'failed' || s.checks.some((c) => c.status === 'FAIL')),
  );
  if (failed) process.exitCode = 1;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opts = parseOptions(argv, AGENT_NAMES);
  if (opts === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const shown = argv.filter((a, i) => a !== '--plan' && argv[i - 1] !== '--plan');
  const command = `npm run agents${shown.length > 0 ? ` -- ${shown.join(' ')}` : ''}`;
  if (opts.plan) {
    const plan = JSON.parse(fs.readFileSync(opts.plan, 'utf8')) as Plan;
    const seen = nonLoopbackInterfaces();
    if (seen.length > 0)
      throw new Error(`the run phase sees network interfaces ${seen.join(', ')}: not isolated`);
    const results = await runPhase(opts, plan, command);
    emit(opts, results);
    if (!opts.keep) fs.rmSync(plan.runDir, { recursive: true, force: true });
    return;
  }
  // One fixed place, cleared per run: the agents' project paths (derived from the workspace) stay stable.
  const runDir = path.join(CACHE, 'work');
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.mkdirSync(runDir, { recursive: true });
  const versions = pinned();
  const entries: PlanEntry[] = [];
  for (const name of opts.agents) entries.push(await planAgent(name, opts, versions));
  const iso = opts.netns ? canIsolate() : ({ ok: false, why: '--no-netns' } as const);
  const isolation = iso.ok
    ? 'private network namespace (unshare --net): loopback is the only interface'
    : `NOT isolated (${iso.why}); the agents could reach the network`;
  const plan: Plan = { entries, runDir, isolation };
  const planFile = path.join(runDir, 'plan.json');
  fs.writeFileSync(planFile, `${JSON.stringify(plan, null, 2)}\n`);
  if (iso.ok) {
    process.exitCode = await reexecIsolated([...argv, '--plan', planFile]);
    return;
  }
  log(isolation);
  const results = await runPhase(opts, plan, command);
  emit(opts, results);
  if (!opts.keep) fs.rmSync(runDir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  process.stderr.write(`agents: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 2;
});
