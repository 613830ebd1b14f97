/**
 * `npm run bench [-- flags]`: every DESIGN.md §4 row this harness covers, in one run, then one table and
 * `bench/.work/results.json`. Generated data lives in `bench/.work/` (git-ignored) and is rebuilt each run.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../test/support/corpus.js';
import { appendLatency } from './append-latency.js';
import { coldIngest } from './cold-ingest.js';
import { foreignLoadSince, loadSnapshot } from './load.js';
import { memory } from './memory.js';
import { parseOptions, type Section } from './options.js';
import { CLI } from './proc.js';
import { publishing } from './publish.js';
import { type BenchResult, type Row, renderMarkdown, renderTable, writeResults } from './report.js';
import { reread } from './reread.js';
import { resync } from './resync.js';
import { searchBench } from './search.js';
import { collectorConfig, startServer } from './server-proc.js';
import { round } from './stats.js';

const WORK_DIR = path.join(REPO_ROOT, 'bench', '.work');
const DATA_DIR = path.join(WORK_DIR, 'data');
const GROUPS: Record<string, string> = {
  cold: '1 cold ingest',
  resync: '2 re-sync, unchanged',
  memory: '3 memory',
  append: '4 append -> stored',
  publish: '5-8 publishing',
  search: '9 search',
  reread: '10 re-read after replace',
};

function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** The commit measured, and whether src/ had uncommitted changes (the figures belong to the built tree). */
function revision() {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    } catch {
      return null;
    }
  };
  const dirty = git('status', '--porcelain', '--', 'src');
  return { commit: git('rev-parse', '--short', 'HEAD'), srcDirty: dirty === null ? null : dirty.length > 0 };
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGB: round(os.totalmem() / 1e9, 1),
    loadAverage1mAtStart: round(os.loadavg()[0] ?? 0),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

async function section(
  name: string,
  rows: Row[],
  details: Record<string, unknown>,
  fn: () => Promise<BenchResult>,
) {
  const t = performance.now();
  const load = loadSnapshot();
  try {
    const r = await fn();
    const foreign = foreignLoadSince(load);
    rows.push(...r.rows);
    if (foreign) {
      rows.push({
        group: GROUPS[name] ?? name,
        what: 'CPU used by other processes during this row',
        figure: `${foreign.foreignCores} of ${os.cpus().length} cores (bench itself: ${foreign.ownCores})`,
        target: '~0 for clean figures',
        status: 'INFO',
      });
    }
    details[name] = {
      ...r.details,
      benchSeconds: round((performance.now() - t) / 1000, 1),
      foreignLoad: foreign,
    };
  } catch (err) {
    log(`${name} failed: ${(err as Error).stack ?? err}`);
    rows.push({
      group: GROUPS[name] ?? name,
      what: 'benchmark failed',
      figure: (err as Error).message.slice(0, 200),
      target: '-',
      status: 'MISS',
    });
    details[name] = { error: String(err) };
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const started = new Date();
  const host = machine();
  // Taken now, right after `npm run build`: the figures belong to the tree that was built, even if HEAD moves.
  const rev = revision();
  fs.rmSync(DATA_DIR, { recursive: true, force: true });
  fs.mkdirSync(DATA_DIR, { recursive: true });
  log(`options ${JSON.stringify(opts)}; CLI ${path.relative(REPO_ROOT, CLI)}; data in ${DATA_DIR}`);
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};

  const want = (s: Section) => opts.only === null || opts.only.includes(s);
  const skip = (group: string, why: string) =>
    rows.push({ group, what: `skipped (${why})`, figure: '-', target: '-', status: 'SKIP' });

  // The cold tree and its database are reused by the search row.
  let cold: Awaited<ReturnType<typeof coldIngest>> | null = null;
  if (want('cold'))
    await section('cold', rows, details, async () => {
      cold = await coldIngest({ workDir: DATA_DIR, minBytes: opts.coldMb * 1e6, log });
      return cold;
    });
  if (opts.skipSearch || !want('search')) skip('9 search', opts.skipSearch ? '--skip-search' : '--only');
  else
    await section('search', rows, details, () => {
      if (cold === null) throw new Error('needs the cold-ingest tree, which failed');
      return searchBench({ workDir: DATA_DIR, tree: cold.tree, target: cold.target, log });
    });
  if (want('reread'))
    await section('reread', rows, details, () => reread({ workDir: DATA_DIR, mib: opts.rereadMb, log }));
  // Rows 2 and 3 run with the collector on (DESIGN.md §4), against the test server in its own process.
  const needServer = !opts.skipPublish && (want('resync') || want('memory') || want('publish'));
  const server = needServer ? await startServer(18_732) : null;
  const collectorOn = server
    ? collectorConfig(path.join(DATA_DIR, 'collector-on.toml'), server.url, await server.register())
    : undefined;
  // The re-sync tree and its database are reused by the watch row (3,000+ files under watch).
  let many: Awaited<ReturnType<typeof resync>> | null = null;
  if (want('resync'))
    await section('resync', rows, details, async () => {
      many = await resync({ workDir: DATA_DIR, minFiles: opts.resyncFiles, config: collectorOn, log });
      return many.result;
    });
  if (want('append'))
    await section('append', rows, details, () => {
      if (many === null) throw new Error('needs the re-sync tree, which failed');
      return appendLatency({ tree: many.tree, target: many.target, appends: opts.appends, log });
    });
  if (opts.skipMemory || !want('memory')) skip('3 memory', opts.skipMemory ? '--skip-memory' : '--only');
  else {
    await section('memory', rows, details, () =>
      memory({
        workDir: DATA_DIR,
        smallMiB: opts.memSmallMiB,
        largeMiB: opts.memLargeMiB,
        config: collectorOn,
        log,
      }),
    );
  }
  await server?.stop();

  if (opts.skipPublish || !want('publish'))
    skip('5-8 publishing', opts.skipPublish ? '--skip-publish' : '--only');
  else {
    await section('publish', rows, details, () =>
      publishing({
        workDir: DATA_DIR,
        publishMb: opts.publishMb,
        many,
        appends: opts.appends,
        warmupS: opts.cpuWarmupS,
        cpuWindowS: opts.cpuWindowS,
        log,
      }),
    );
  }

  // Table in DESIGN.md order (the watch row runs before memory because it reuses the re-sync tree).
  rows.sort((a, b) => a.group.localeCompare(b.group));
  const results = {
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    date: started.toISOString(),
    machine: host,
    revision: rev,
    cli: path.relative(REPO_ROOT, CLI),
    options: opts,
    totalSeconds: round((Date.now() - started.getTime()) / 1000, 1),
    rows,
    details,
  };
  writeResults(path.join(WORK_DIR, opts.quick ? 'results-quick.json' : 'results.json'), results);
  fs.writeFileSync(
    path.join(WORK_DIR, opts.quick ? 'table-quick.md' : 'table.md'),
    `${renderMarkdown(rows)}\n`,
  );
  const m = results.machine;
  process.stdout.write(
    `\naiobscura bench — ${results.date} — ${m.cpus} × ${m.cpuModel}, ${m.memoryGB} GB, ${m.os}, Node ${m.node}` +
      ` — commit ${results.revision.commit}${results.revision.srcDirty ? ' + uncommitted src/ changes' : ''}` +
      ` — load average at start ${m.loadAverage1mAtStart}` +
      `${opts.quick ? ' — QUICK (smoke sizes; not comparable to targets)' : ''}\n\n${renderTable(rows)}\n\n` +
      `total ${results.totalSeconds} s; results in ${path.relative(REPO_ROOT, WORK_DIR)}/\n`,
  );
  if (rows.some((r) => r.what === 'benchmark failed')) process.exitCode = 1;
}

await main();
