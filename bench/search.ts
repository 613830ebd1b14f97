/**
 * Row 9, search (issue 11 item 7), on the cold-ingest tree and its database, all in one run so the ratios
 * share the machine's state:
 * - the index size, in bytes and as a share of the database and of the logs;
 * - query times (p50/p95 over a set of typed queries, each run several times, in-process on the product's
 *   query code), and one query end to end through the CLI;
 * - the cold-ingest cost of the index: the same tree ingested into fresh databases with and without the index
 *   triggers, runs alternating, each in its own process (search-ingest.ts);
 * - where that cost comes from: the same messages inserted one per statement or one statement per chunk;
 * - the trigram alternative: both tokenizers built the same way (contentless, from the same messages) in a
 *   scratch database, with their sizes, build times and times for the same queries;
 * - `search --reindex` on the whole database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { openDatabase, searchIndexSize, searchMessages } from '../src/store/index.js';
import type { Tree } from './corpus-gen.js';
import { type CliTarget, runCli, runProcess } from './proc.js';
import type { BenchResult, Row } from './report.js';
import { insertShapes, tokenizers } from './search-compare.js';
import type { IngestRun } from './search-ingest.js';
import { mb, mbps, median, percentile, round } from './stats.js';

const GROUP = '9 search';
const INGEST_SCRIPT = fileURLToPath(new URL('./search-ingest.js', import.meta.url));
const INGEST_RUNS = 3;
const QUERY_REPEATS = 5;

/** What people type: common and rare words, phrases, code with punctuation, a prefix. */
export const QUERIES = [
  'error',
  'function',
  'npm test',
  'git commit',
  'TypeError',
  'README.md',
  'useState',
  'sqlite',
  'refactor*',
  "don't",
  'foo.bar()',
  'permission denied',
  'migration',
  'navigator.getUserMedia()',
  '"open a pull request"',
  'pydanctic',
];

export interface SearchBenchOptions {
  workDir: string;
  tree: Tree;
  /** The database the cold row synced the tree into. */
  target: CliTarget;
  log: (msg: string) => void;
}

function timeQueries(db: Database.Database) {
  const perQuery: { query: string; total: number; medianMs: number }[] = [];
  const all: number[] = [];
  for (const query of QUERIES) {
    const ms: number[] = [];
    let total = 0;
    for (let i = 0; i < QUERY_REPEATS; i++) {
      const t = performance.now();
      total = searchMessages(db, { query, limit: 20 }).total;
      ms.push(performance.now() - t);
    }
    all.push(...ms);
    perQuery.push({ query, total, medianMs: round(median(ms), 3) });
  }
  return { perQuery, p50: percentile(all, 50), p95: percentile(all, 95) };
}

async function ingestCost(o: SearchBenchOptions) {
  const runs: Record<'with' | 'without', IngestRun[]> = { with: [], without: [] };
  const db = path.join(o.workDir, 'search-ingest.db');
  for (let i = 0; i < INGEST_RUNS; i++) {
    // Alternating, so a change in the machine's load hits both sides alike.
    for (const mode of i % 2 === 0 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
      const res = await runProcess(process.execPath, [
        INGEST_SCRIPT,
        mode,
        o.tree.claudeDir,
        o.tree.codexDir,
        db,
      ]);
      if (res.code !== 0)
        throw new Error(`search-ingest ${mode} exited ${res.code}: ${res.stderr.slice(0, 2000)}`);
      runs[mode].push(JSON.parse(res.stdout) as IngestRun);
    }
  }
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${db}${suffix}`, { force: true });
  const ms = (mode: 'with' | 'without', k: 'ms' | 'cpuMs') => median(runs[mode].map((r) => r[k]));
  return {
    runs,
    withMs: ms('with', 'ms'),
    withoutMs: ms('without', 'ms'),
    withCpuMs: ms('with', 'cpuMs'),
    withoutCpuMs: ms('without', 'cpuMs'),
  };
}

export async function searchBench(o: SearchBenchOptions): Promise<BenchResult> {
  const db = openDatabase(o.target.db, { mustExist: true });
  db.pragma('wal_checkpoint(TRUNCATE)');
  const size = searchIndexSize(db);
  const text = db
    .prepare(
      `SELECT sum(coalesce(length(CAST(content AS BLOB)), 0) + coalesce(length(CAST(tool_name AS BLOB)), 0) +
         coalesce(length(CAST(tool_input AS BLOB)), 0) + coalesce(length(CAST(tool_result AS BLOB)), 0)),
         count(*) FROM messages`,
    )
    .raw()
    .get() as [number, number];
  const queries = timeQueries(db);
  db.close();
  o.log(`search: index ${mb(size.indexBytes)} of ${mb(size.databaseBytes)}; p50 ${round(queries.p50, 2)} ms`);

  const cliMs: number[] = [];
  for (let i = 0; i < QUERY_REPEATS; i++)
    cliMs.push((await runCli(o.target, 'search', 'error', '--json')).wallMs);

  const ingest = await ingestCost(o);
  o.log(
    `search: ingest ${round(ingest.withMs)} ms with the index, ${round(ingest.withoutMs)} ms without ` +
      `(CPU ${round(ingest.withCpuMs)} / ${round(ingest.withoutCpuMs)} ms)`,
  );

  const shapes = insertShapes({ workDir: o.workDir, db: o.target.db, runs: INGEST_RUNS });
  o.log(`search: insert shapes ${JSON.stringify(shapes.usPerMessage)} µs CPU per message`);

  // The tokenizer comparison uses plain words: trigram needs 3+ characters per term and no FTS5 prefix query.
  const words = QUERIES.map((q) => `"${q.replace(/[*"]/g, '')}"`);
  const tok = tokenizers({ workDir: o.workDir, db: o.target.db, runs: QUERY_REPEATS }, words);
  const uni = tok.unicode61!;
  const tri = tok.trigram!;
  o.log(`search: trigram ${mb(tri.bytes)} vs unicode61 ${mb(uni.bytes)}`);

  const reindex = JSON.parse((await runCli(o.target, 'search', '--reindex', '--json')).stdout) as {
    reindexed: number;
    seconds: number;
  };

  const share = size.indexBytes / size.databaseBytes;
  const rows: Row[] = [
    {
      group: GROUP,
      what: `index size (${text[1].toLocaleString('en-US')} messages, ${mb(text[0])} of indexed text)`,
      figure: `${mb(size.indexBytes)} = ${round(100 * share, 1)} % of the database (${mb(size.databaseBytes)}), ${round(size.indexBytes / o.tree.bytes, 3)}x the logs`,
      target: '-',
      status: 'INFO',
    },
    {
      group: GROUP,
      what: `query time, ${QUERIES.length} queries x ${QUERY_REPEATS}, top 20 with snippets and total (in-process)`,
      figure: `p50 ${round(queries.p50, 2)} ms, p95 ${round(queries.p95, 2)} ms`,
      target: '-',
      status: 'INFO',
    },
    {
      group: GROUP,
      what: `\`aiobscura search error --json\`, whole process (median of ${QUERY_REPEATS})`,
      figure: `${round(median(cliMs) / 1000, 3)} s`,
      target: '-',
      status: 'INFO',
    },
    {
      group: GROUP,
      what: `cold ingest with / without the index triggers (median of ${INGEST_RUNS} each, alternating)`,
      figure:
        `${round(mbps(o.tree.bytes, ingest.withMs), 1)} / ${round(mbps(o.tree.bytes, ingest.withoutMs), 1)} MB/s = ` +
        `${round(ingest.withoutMs / ingest.withMs, 3)}; CPU time ${round(ingest.withCpuMs / 1000, 2)} / ` +
        `${round(ingest.withoutCpuMs / 1000, 2)} s = ${round(ingest.withoutCpuMs / ingest.withCpuMs, 3)}`,
      target: '-',
      status: 'INFO',
    },
    {
      group: GROUP,
      what: 'CPU per message inserted: no index / triggers, one INSERT per message / triggers, one INSERT per 500',
      figure: `${round(shapes.usPerMessage.none)} / ${round(shapes.usPerMessage.perMessage)} / ${round(shapes.usPerMessage.perChunk)} µs`,
      target: '-',
      status: 'INFO',
    },
    {
      group: GROUP,
      what: 'trigram / unicode61 tokenizer (same messages, contentless): size, build, query p50',
      figure: `${mb(tri.bytes)} / ${mb(uni.bytes)} = ${round(tri.bytes / uni.bytes, 2)}x; ${round(tri.buildMs / 1000, 1)} / ${round(uni.buildMs / 1000, 1)} s; ${round(tri.p50, 2)} / ${round(uni.p50, 2)} ms`,
      target: '-',
      status: 'INFO',
    },
    {
      group: GROUP,
      what: '`aiobscura search --reindex` (whole database, one transaction)',
      figure: `${reindex.reindexed.toLocaleString('en-US')} messages in ${reindex.seconds} s`,
      target: '-',
      status: 'INFO',
    },
  ];
  return {
    rows,
    details: {
      index: { ...size, share: round(share, 4), indexedTextBytes: text[0], messages: text[1] },
      queries: { ...queries, p50: round(queries.p50, 3), p95: round(queries.p95, 3) },
      cliMs: cliMs.map((m) => round(m)),
      ingest: {
        bytes: o.tree.bytes,
        withMs: round(ingest.withMs),
        withoutMs: round(ingest.withoutMs),
        withCpuMs: round(ingest.withCpuMs),
        withoutCpuMs: round(ingest.withoutCpuMs),
        runs: ingest.runs,
      },
      tokenizers: tok,
      insertShapes: shapes,
      reindex,
    },
  };
}
