/**
 * One agent × scenario: a fresh HOME and workspace under the run directory, the script loaded into the
 * scripted API, each turn run to completion (or its timeout), and what was served collected.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ScriptedApi } from './api/server.js';
import type { Served } from './api/types.js';
import { baseEnv } from './platform.js';
import { foreignConnects, runTurn, type TurnResult, tracedConnects } from './proc.js';
import {
  buildScenario,
  type Scenario,
  type ScenarioId,
  WORKSPACE_FILE,
  WORKSPACE_TEXT,
} from './scenarios.js';
import type { AgentSpec, RunContext } from './spec.js';

export interface ScenarioRun {
  scenario: Scenario;
  dir: string;
  ctx: RunContext;
  turns: (TurnResult & { resume: boolean })[];
  served: Served[];
  unhandled: { method: string; path: string }[];
  systems: string[];
  /** Connections to anything but loopback the agent attempted (with --offline-check), else null. */
  foreign: string[] | null;
  /** connect() calls traced in all (loopback included), with --offline-check. */
  traced: number;
}

export interface RunOptions {
  runDir: string;
  api: ScriptedApi;
  installDir: string;
  node: string;
  timeoutMs: number;
  trace: boolean;
  /** Extra env for every agent (the refusing proxy of --offline-check). */
  extraEnv: Record<string, string>;
  log: (m: string) => void;
}

export async function runScenario(
  spec: AgentSpec,
  id: ScenarioId,
  opts: RunOptions,
): Promise<ScenarioRun | { skip: string }> {
  const dir = path.join(opts.runDir, spec.name, id);
  const ctx: RunContext = {
    home: path.join(dir, 'home'),
    workspace: path.join(dir, 'workspace'),
    apiUrl: opts.api.url,
    installDir: opts.installDir,
    node: opts.node,
  };
  const built = buildScenario(id, spec.tools, path.join(ctx.workspace, WORKSPACE_FILE));
  if ('skip' in built) return { skip: built.skip };
  const tmp = path.join(dir, 'tmp');
  for (const d of [ctx.home, ctx.workspace, tmp]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(ctx.workspace, WORKSPACE_FILE), `${WORKSPACE_TEXT}\n`);
  const env = { ...baseEnv(ctx.home, tmp), ...opts.extraEnv, ...spec.prepare(ctx) };
  opts.api.setScript(built.script, path.join(dir, 'requests.jsonl'));
  const turns: ScenarioRun['turns'] = [];
  const trace = opts.trace ? path.join(dir, 'connect.strace') : null;
  for (const [i, turn] of built.turns.entries()) {
    const cmd = spec.command(ctx, turn, env);
    const r = await runTurn(cmd, {
      cwd: ctx.workspace,
      timeoutMs: opts.timeoutMs,
      logBase: path.join(dir, `turn${i + 1}`),
      trace: trace && `${trace}.${i + 1}`,
    });
    opts.log(
      `${spec.name}/${id} turn ${i + 1}: exit ${r.code ?? r.signal}${r.timedOut ? ' (timed out)' : ''} in ${(r.ms / 1000).toFixed(1)} s`,
    );
    turns.push({ ...r, resume: turn.resume });
  }
  const served = opts.api.served();
  fs.writeFileSync(path.join(dir, 'served.json'), `${JSON.stringify(served, null, 2)}\n`);
  const foreign = trace ? built.turns.flatMap((_, i) => foreignConnects(`${trace}.${i + 1}`)) : null;
  return {
    scenario: built,
    dir,
    ctx,
    turns,
    served,
    unhandled: opts.api.unhandled(),
    systems: opts.api.systemPrompts(),
    foreign: foreign === null ? null : [...new Set(foreign)],
    traced: trace ? built.turns.reduce((n, _, i) => n + tracedConnects(`${trace}.${i + 1}`), 0) : 0,
  };
}
