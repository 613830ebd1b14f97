/**
 * DESIGN.md §4 "Cold ingest": the storage floor, the parse-only rate and `aiobscura sync` into a fresh
 * database over the same generated files, plus `ccusage@17 session --json` over the Claude part of them.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PassSummary } from '../src/sync/index.js';
import { generateTree, type Tree } from './corpus-gen.js';
import { BENCH_ENV, type CliTarget, dbBytes, noConfig, removeDb, runCli, runProcess } from './proc.js';
import { type BenchResult, type Row, verdict } from './report.js';
import { mb, mbps, round } from './stats.js';
import type { FloorResult } from './storage-floor.js';

const GROUP = '1 cold ingest';
const CCUSAGE = 'ccusage@17';
const FLOOR_RUNS = 3;
const FLOOR_SCRIPT = fileURLToPath(new URL('./storage-floor.js', import.meta.url));

export interface ColdOptions {
  workDir: string;
  minBytes: number;
  log: (msg: string) => void;
}

/** The installed ccusage entry point (fetched once through npx, so its start-up is not timed as a download). */
function ccusageEntry(): string | null {
  try {
    const bin = execFileSync('npx', ['-y', '-p', CCUSAGE, 'sh', '-c', 'command -v ccusage'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return bin ? fs.realpathSync(bin) : null;
  } catch {
    return null;
  }
}

async function runCcusage(tree: Tree, log: (m: string) => void) {
  const entry = ccusageEntry();
  if (entry === null) return null;
  log(`ccusage: ${entry}`);
  const env = { ...BENCH_ENV, CLAUDE_CONFIG_DIR: tree.claudeDir, NO_COLOR: '1' };
  // --offline: the bundled price table instead of a network fetch, so the figure is the file work alone.
  const res = await runProcess(process.execPath, [entry, 'session', '--json', '--offline'], env);
  if (res.code !== 0) throw new Error(`ccusage exited ${res.code}: ${res.stderr.slice(0, 2000)}`);
  const sessions = (JSON.parse(res.stdout) as { sessions?: unknown[] }).sessions?.length ?? 0;
  return { wallMs: res.wallMs, sessions };
}

/** Median (by time) of `FLOOR_RUNS` runs, each in a fresh process; the floor starts from an empty database. */
async function measureFloor(
  mode: 'parse' | 'floor',
  listFile: string,
  db?: string,
): Promise<FloorResult & { runsMs: number[] }> {
  const runs: FloorResult[] = [];
  for (let i = 0; i < FLOOR_RUNS; i++) {
    if (db) removeDb(db);
    const res = await runProcess(process.execPath, [FLOOR_SCRIPT, mode, listFile, ...(db ? [db] : [])]);
    if (res.code !== 0)
      throw new Error(`storage-floor ${mode} exited ${res.code}: ${res.stderr.slice(0, 2000)}`);
    runs.push(JSON.parse(res.stdout) as FloorResult);
  }
  const mid = runs.map((r) => r.ms).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  const chosen = runs.find((r) => r.ms === mid) ?? runs[0]!;
  return { ...chosen, runsMs: runs.map((r) => round(r.ms)) };
}

async function syncCold(target: CliTarget): Promise<{ wallMs: number; summary: PassSummary }> {
  removeDb(target.db);
  const res = await runCli(target, 'sync', '--json', '--no-progress');
  return { wallMs: res.wallMs, summary: JSON.parse(res.stdout) as PassSummary };
}

/** The rows, plus the tree and its synced database, which the search row reuses. */
export async function coldIngest(
  opts: ColdOptions,
): Promise<BenchResult & { tree: Tree; target: CliTarget }> {
  const { workDir, log } = opts;
  let t = performance.now();
  const tree = generateTree(path.join(workDir, 'cold'), { minBytes: opts.minBytes });
  log(
    `cold: generated ${tree.files.length} files, ${mb(tree.bytes)} in ${round((performance.now() - t) / 1000, 1)} s`,
  );

  const listFile = path.join(workDir, 'cold-files.json');
  fs.writeFileSync(listFile, JSON.stringify(tree.files));
  const parse = await measureFloor('parse', listFile);
  log(`cold: parse-only ${round(mbps(parse.bytes, parse.ms), 1)} MB/s (median of ${FLOOR_RUNS})`);
  const floorDb = path.join(workDir, 'floor.db');
  const floor = await measureFloor('floor', listFile, floorDb);
  const floorDbBytes = dbBytes(floorDb);
  removeDb(floorDb);
  log(`cold: storage floor ${round(mbps(floor.bytes, floor.ms), 1)} MB/s (median of ${FLOOR_RUNS})`);

  const config = noConfig(workDir);
  const target: CliTarget = {
    db: path.join(workDir, 'cold.db'),
    config,
    claudeDir: tree.claudeDir,
    codexDir: tree.codexDir,
  };
  t = performance.now();
  const all = await syncCold(target);
  const aioDbBytes = dbBytes(target.db);
  log(
    `cold: aiobscura sync ${round(mbps(tree.bytes, all.wallMs), 1)} MB/s (${round(all.wallMs / 1000, 1)} s)`,
  );
  if (all.summary.files !== tree.files.length || all.summary.skipped.length > 0) {
    throw new Error(
      `sync saw ${all.summary.files} files (${all.summary.skipped.length} skipped), generated ${tree.files.length}`,
    );
  }
  const emptyCodex = path.join(workDir, 'empty-codex');
  fs.mkdirSync(emptyCodex, { recursive: true });
  const claudeOnly = await syncCold({
    ...target,
    db: path.join(workDir, 'cold-claude.db'),
    codexDir: emptyCodex,
  });
  removeDb(path.join(workDir, 'cold-claude.db'));
  log(`cold: aiobscura sync, Claude files only: ${round(claudeOnly.wallMs / 1000, 2)} s`);
  const cc = await runCcusage(tree, log);
  log(`cold: ccusage ${cc ? `${round(cc.wallMs / 1000, 2)} s` : 'unavailable'}`);

  const aioRate = mbps(tree.bytes, all.wallMs);
  const floorRate = mbps(floor.bytes, floor.ms);
  const ratio = aioRate / floorRate;
  const rows: Row[] = [
    {
      group: GROUP,
      what: `aiobscura sync, cold (${tree.files.length} files, ${mb(tree.bytes)})`,
      figure: `${round(aioRate, 1)} MB/s (${round(all.wallMs / 1000, 2)} s wall)`,
      target: '-',
      status: 'INFO',
    },
    {
      group: GROUP,
      what: 'storage floor (readSync + split + JSON.parse + 1 row/line)',
      figure: `${round(floorRate, 1)} MB/s (${round(floor.ms / 1000, 2)} s)`,
      target: '-',
      status: 'INFO',
    },
    {
      group: GROUP,
      what: 'aiobscura / storage floor',
      figure: `${round(ratio, 2)}`,
      target: '>= 0.5',
      status: verdict(ratio >= 0.5),
    },
    {
      group: GROUP,
      what: 'parse only (readSync + split + JSON.parse)',
      figure: `${round(mbps(parse.bytes, parse.ms), 1)} MB/s`,
      target: '-',
      status: 'INFO',
    },
    {
      group: GROUP,
      what: 'database size (aiobscura / floor)',
      figure: `${mb(aioDbBytes)} / ${mb(floorDbBytes)} (${round(aioDbBytes / tree.bytes, 2)}x input)`,
      target: '-',
      status: 'INFO',
    },
    cc === null
      ? {
          group: GROUP,
          what: `${CCUSAGE} session --json`,
          figure: 'ccusage not available',
          target: '-',
          status: 'SKIP',
        }
      : {
          group: GROUP,
          what: `vs ${CCUSAGE} session --json (Claude files only: ${tree.claudeFiles}, ${mb(tree.claudeBytes)})`,
          figure: `aiobscura ${round(claudeOnly.wallMs / 1000, 2)} s, ccusage ${round(cc.wallMs / 1000, 2)} s`,
          target: 'aiobscura faster',
          status: verdict(claudeOnly.wallMs < cc.wallMs),
        },
  ];
  return {
    rows,
    details: {
      files: tree.files.length,
      bytes: tree.bytes,
      claudeFiles: tree.claudeFiles,
      claudeBytes: tree.claudeBytes,
      parseOnly: { ...parse, mbps: round(mbps(parse.bytes, parse.ms)) },
      floor: { ...floor, mbps: round(floorRate), dbBytes: floorDbBytes },
      aiobscura: {
        wallMs: round(all.wallMs),
        mbps: round(aioRate),
        dbBytes: aioDbBytes,
        summary: all.summary,
      },
      aiobscuraClaudeOnly: {
        wallMs: round(claudeOnly.wallMs),
        mbps: round(mbps(tree.claudeBytes, claudeOnly.wallMs)),
      },
      ccusage: cc && { ...cc, wallMs: round(cc.wallMs), mbps: round(mbps(tree.claudeBytes, cc.wallMs)) },
      ratio: round(ratio, 3),
    },
    tree,
    target,
  };
}
