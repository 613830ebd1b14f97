/**
 * DESIGN.md §4 "Re-sync, nothing changed, 3,000+ files": one cold sync of many small sessions, then the wall
 * time of the compiled `aiobscura sync` process, from spawn to exit, over the unchanged tree.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PassSummary } from '../src/sync/index.js';
import { generateTree, type Tree } from './corpus-gen.js';
import { CLI, type CliTarget, noConfig, removeDb, runCli, runProcess } from './proc.js';
import { type BenchResult, verdict } from './report.js';
import { median, round } from './stats.js';

const GROUP = '2 re-sync, unchanged';
const RUNS = 5;
const SMALL_FILE_BYTES = 64 * 1024;
/** Files last written a day ago: the state of a real `~/.claude` with thousands of finished sessions. */
const AGE_MS = 24 * 3600 * 1000;

export interface ResyncOptions {
  workDir: string;
  minFiles: number;
  /** A config with the collector enabled (DESIGN.md §4: "collector enabled with an empty backlog"). */
  config?: string;
  log: (msg: string) => void;
}

export interface ResyncOutcome {
  result: BenchResult;
  /** The synced tree and database, reused by the watch benchmark. */
  tree: Tree;
  target: CliTarget;
}

export async function resync(opts: ResyncOptions): Promise<ResyncOutcome> {
  const tree = generateTree(path.join(opts.workDir, 'many'), {
    minFiles: opts.minFiles,
    filter: (s) => s.bytes <= SMALL_FILE_BYTES,
  });
  const old = new Date(Date.now() - AGE_MS);
  for (const f of tree.files) fs.utimesSync(f, old, old);
  opts.log(`re-sync: generated ${tree.files.length} files (${round(tree.bytes / 1e6, 1)} MB)`);

  const target: CliTarget = {
    db: path.join(opts.workDir, 'many.db'),
    config: opts.config ?? noConfig(opts.workDir),
    claudeDir: tree.claudeDir,
    codexDir: tree.codexDir,
  };
  removeDb(target.db);
  const cold = await runCli(target, 'sync', '--json', '--no-progress');
  opts.log(`re-sync: cold sync ${round(cold.wallMs / 1000, 2)} s`);
  // With the collector on, the backlog must be empty before timing: sync until everything is acknowledged.
  let publish = (JSON.parse(cold.stdout) as { publish: { remainingSessions: number } | null }).publish;
  for (let i = 0; publish && publish.remainingSessions > 0 && i < 20; i++) {
    publish = JSON.parse((await runCli(target, 'sync', '--json', '--no-progress')).stdout).publish;
  }
  if (publish && publish.remainingSessions > 0) throw new Error('re-sync: the backlog did not drain');

  const walls: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const res = await runCli(target, 'sync', '--json', '--no-progress');
    const s = JSON.parse(res.stdout) as PassSummary;
    if (s.read !== 0 || s.files !== tree.files.length) {
      throw new Error(`re-sync read ${s.read} of ${s.files} files; expected 0 of ${tree.files.length}`);
    }
    walls.push(res.wallMs);
  }
  const med = median(walls);
  const max = Math.max(...walls);
  opts.log(`re-sync: median ${round(med)} ms, max ${round(max)} ms`);
  // What part of the budget is start-up: the bare runtime, then the CLI loading all its modules and exiting.
  const nodeMs = await medianWall(process.execPath, ['-e', '0']);
  const versionMs = await medianWall(process.execPath, [CLI, '--version']);
  return {
    tree,
    target,
    result: {
      rows: [
        {
          group: GROUP,
          what: `aiobscura sync, ${tree.files.length} files unchanged (median of ${RUNS})`,
          figure: `${round(med / 1000, 3)} s`,
          target: `<= 0.3 s (collector ${opts.config ? 'on, empty backlog' : 'off'})`,
          status: verdict(med <= 300),
        },
        {
          group: GROUP,
          what: `same, slowest of ${RUNS}`,
          figure: `${round(max / 1000, 3)} s`,
          target: '<= 0.3 s',
          status: verdict(max <= 300),
        },
        {
          group: GROUP,
          what: `start-up share: \`node -e 0\` / \`aiobscura --version\` (median of ${RUNS})`,
          figure: `${round(nodeMs / 1000, 3)} s / ${round(versionMs / 1000, 3)} s`,
          target: '-',
          status: 'INFO',
        },
      ],
      details: {
        files: tree.files.length,
        bytes: tree.bytes,
        coldSyncMs: round(cold.wallMs),
        runsMs: walls.map((w) => round(w)),
        medianMs: round(med),
        maxMs: round(max),
        nodeStartMs: round(nodeMs),
        cliVersionMs: round(versionMs),
        collector: 'off (default config); DESIGN.md asks for it enabled with an empty backlog',
      },
    },
  };
}

async function medianWall(cmd: string, args: string[]): Promise<number> {
  const walls: number[] = [];
  for (let i = 0; i < RUNS; i++) walls.push((await runProcess(cmd, args)).wallMs);
  return median(walls);
}
