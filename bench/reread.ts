/**
 * Issue 9 / issue 12 row 7, "re-read after replace": one generated Claude session is synced cold into a fresh
 * database, then replaced by a copy of itself (`cp f f.tmp && mv f.tmp f`: identical bytes, a new inode, what
 * editors, Syncthing and restores do) and synced again. The second sync reads the whole file as a new
 * generation and must store nothing; its wall time against the cold one is the figure (target ≤ 2×).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { PassSummary } from '../src/sync/index.js';
import { generateSession } from './corpus-gen.js';
import { type CliTarget, noConfig, removeDb, runCli } from './proc.js';
import { type BenchResult, verdict } from './report.js';
import { MB, MiB, median, round } from './stats.js';

const GROUP = '10 re-read after replace';
const RUNS = 3;

export interface RereadOptions {
  workDir: string;
  mib: number;
  log: (msg: string) => void;
}

async function sync(target: CliTarget): Promise<{ wallMs: number; summary: PassSummary }> {
  const res = await runCli(target, 'sync', '--json', '--no-progress');
  return { wallMs: res.wallMs, summary: JSON.parse(res.stdout) as PassSummary };
}

export async function reread(opts: RereadOptions): Promise<BenchResult> {
  const root = path.join(opts.workDir, 'reread');
  fs.rmSync(root, { recursive: true, force: true });
  const claudeDir = path.join(root, 'claude');
  const gen = generateSession(path.join(claudeDir, 'projects', '-bench-reread'), opts.mib * MiB);
  opts.log(`re-read: generated ${round(gen.bytes / MB, 1)} MB, ${gen.lines} lines`);
  const target: CliTarget = {
    db: path.join(root, 'reread.db'),
    config: noConfig(opts.workDir),
    claudeDir,
    codexDir: path.join(root, 'codex'),
  };
  const cold: number[] = [];
  const again: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      removeDb(target.db);
      const first = await sync(target);
      const tmp = `${gen.file}.tmp`;
      fs.copyFileSync(gen.file, tmp);
      fs.renameSync(tmp, gen.file);
      const second = await sync(target);
      if (second.summary.read !== 1 || second.summary.messages !== 0)
        throw new Error(
          `the re-read read ${second.summary.read} file(s) and stored ${second.summary.messages} message(s); ` +
            'expected 1 and 0',
        );
      cold.push(first.wallMs);
      again.push(second.wallMs);
      opts.log(`re-read: cold ${round(first.wallMs)} ms, after replace ${round(second.wallMs)} ms`);
    }
  } finally {
    removeDb(target.db);
    fs.rmSync(root, { recursive: true, force: true });
  }
  const ratio = median(again) / median(cold);
  return {
    rows: [
      {
        group: GROUP,
        what: `${round(gen.bytes / MB, 1)} MB session: re-read after an identical-bytes replace / cold read`,
        figure: `${round(ratio, 2)} (median of ${RUNS}: ${round(median(again))} ms / ${round(median(cold))} ms)`,
        target: '<= 2',
        status: verdict(ratio <= 2),
      },
    ],
    details: { bytes: gen.bytes, lines: gen.lines, coldMs: cold.map(round), rereadMs: again.map(round) },
  };
}
