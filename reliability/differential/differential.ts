/**
 * The differential suite (issue 9): a generated live history of the real input files — appends in random
 * pieces with torn lines, SIGKILLs at random points, failed commits, server faults, clean restarts, atomic
 * replaces with identical bytes, a deleted and rebuilt database, shuffled discovery orders, one-shot syncs —
 * then a final idle sync and drain; the oracle is one clean one-shot sync and drain of the final files into a
 * fresh database and a fresh server. Both end states are compared as data (compare.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { startServerProcess } from '../server-process.js';
import { compareRuns, type RunState } from './compare.js';
import { describeHistory, type History } from './history.js';
import type { InputFile } from './inputs.js';
import { localState, serverState } from './state.js';
import { backdate, LiveWorld, makeHome, registerAndConfigure, settle } from './world.js';

export interface DifferentialResult {
  history: string;
  differences: string[];
  /** Figures of the live run, for the report. */
  figures: { serverRows: number; messages: number; sessions: number };
  logs: readonly string[];
}

async function cleanRun(dir: string, files: readonly InputFile[], history: History): Promise<RunState> {
  const home = makeHome(path.join(dir, 'clean'));
  const server = await startServerProcess(history.seed + 1);
  try {
    await registerAndConfigure(home, server, history.batchSize);
    for (const f of files) {
      const p = path.join(home.root, f.target);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, f.content);
    }
    backdate(home, files);
    await settle(home);
    return { local: localState(home.databasePath, home.root, files), server: await serverState(server) };
  } finally {
    await server.stop();
  }
}

/** Plays one history and its oracle in `dir`; removes `dir` unless asked to keep it or the run differed. */
export async function runDifferential(
  dir: string,
  files: readonly InputFile[],
  history: History,
  keep = false,
): Promise<DifferentialResult> {
  fs.mkdirSync(dir, { recursive: true });
  const world = new LiveWorld(dir, files, history);
  let live: RunState;
  try {
    await world.start();
    await world.play();
    await world.finish();
    live = {
      local: localState(world.home.databasePath, world.home.root, files),
      server: await serverState(world.serverProcess),
    };
  } finally {
    await world.close();
  }
  const oracle = await cleanRun(dir, files, history);
  const differences = compareRuns(live, oracle);
  if (differences.length === 0 && !keep) fs.rmSync(dir, { recursive: true, force: true });
  return {
    history: describeHistory(history),
    differences,
    figures: {
      serverRows: Object.values(live.server.rows).reduce((n, r) => n + r.length, 0),
      messages: Object.values(live.local.messages).reduce((n, m) => n + m.length, 0),
      sessions: Object.keys(live.local.sessions).length,
    },
    logs: world.lifeLogs,
  };
}
