/**
 * `npm run hostile -- [--runs N] [--seed S] [--mutants-per-file M] [--skip-e2e]`: the long version of the
 * hostile-input check (issue 4 item 3). The short version runs in `npm test` (test/reliability/hostile-*).
 *
 * 1. Parser level: N fast-check mutations of lines drawn from every `.jsonl` file of the corpus, then every
 *    field of one line per record kind replaced by each JSON type, through reliability/hostile/check.ts.
 * 2. End to end: the short set's files mixed with M mutants each, synced and published by the real CLI and
 *    compared with the clean files (reliability/hostile/e2e.ts).
 * Prints what was tried and the outcomes; exits 1 on the first broken invariant.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { contextFor, HostileFailure, LineChecker, type Outcome } from './hostile/check.js';
import { compare, homePath, mixFile, syncHome } from './hostile/e2e.js';
import { allCorpusFiles, linesOf, SHORT_SET } from './hostile/lines.js';
import {
  applyMutation,
  DEFAULT_SIZES,
  describeMutation,
  fieldPaths,
  type MutationKind,
  mutationArb,
  replaceField,
  type SourceLine,
  WRONG_VALUES,
  wrongValue,
} from './hostile/mutate.js';

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '5000' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000_007) },
    'mutants-per-file': { type: 'string', default: '300' },
    'skip-e2e': { type: 'boolean', default: false },
  },
});
const runs = Number(opts.runs);
const seed = Number(opts.seed);
const mutantsPerFile = Number(opts['mutants-per-file']);

function primed(src: SourceLine, first: Map<string, SourceLine>): LineChecker {
  const checker = new LineChecker(contextFor(src.assistant));
  checker.check(first.get(src.file)!.bytes, 1);
  return checker;
}

function parserLevel(): boolean {
  const files = allCorpusFiles();
  const lines: SourceLine[] = [];
  const first = new Map<string, SourceLine>();
  for (const f of files) {
    const ls = linesOf(f);
    if (ls.length === 0) continue;
    first.set(f, ls[0]!);
    lines.push(...ls);
  }
  console.log(`parser level: ${lines.length} real lines from ${files.length} corpus files, seed ${seed}`);
  const tally = new Map<MutationKind, Map<Outcome, number>>();
  const started = Date.now();
  const result = fc.check(
    fc.property(fc.nat({ max: lines.length - 1 }), mutationArb(DEFAULT_SIZES), (i, m) => {
      const src = lines[i]!;
      try {
        const r = primed(src, first).check(applyMutation(src.bytes, m), 2);
        const byKind = tally.get(m.kind) ?? new Map<Outcome, number>();
        byKind.set(r.outcome, (byKind.get(r.outcome) ?? 0) + 1);
        tally.set(m.kind, byKind);
      } catch (err) {
        const what = `${describeMutation(src.bytes, m)} of ${src.file}`;
        throw new Error(`${what}: ${err instanceof HostileFailure ? err.message : (err as Error).stack}`);
      }
    }),
    { seed, numRuns: runs, endOnFailure: true },
  );
  let tried = 0;
  for (const [kind, outcomes] of [...tally].sort()) {
    const parts = [...outcomes].sort().map(([o, n]) => `${o} ${n}`);
    const n = [...outcomes.values()].reduce((a, b) => a + b, 0);
    tried += n;
    console.log(`  ${kind.padEnd(13)} ${String(n).padStart(6)} tried: ${parts.join(', ')}`);
  }
  console.log(`  ${tried} mutated lines in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (result.failed) {
    console.log(`FAILED after ${result.numRuns} runs (seed ${seed}): ${result.errorInstance}`);
    return false;
  }

  // Every field of one line per record kind, replaced by each JSON type.
  const byKind = new Map<string, SourceLine>();
  for (const src of lines) {
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(src.bytes.toString('utf8'));
    } catch {
      continue;
    }
    const payload = rec?.payload as Record<string, unknown> | undefined;
    const kind = `${src.assistant}:${String(rec?.type)}:${String(payload?.type ?? rec?.subtype ?? '')}`;
    if (!byKind.has(kind)) byKind.set(kind, src);
  }
  let replaced = 0;
  for (const src of byKind.values()) {
    const record = JSON.parse(src.bytes.toString('utf8')) as unknown;
    for (const p of fieldPaths(record)) {
      for (const value of WRONG_VALUES) {
        try {
          primed(src, first).check(replaceField(record, p, wrongValue(value)), 2);
        } catch (err) {
          console.log(`FAILED: ${src.file} ${p.join('.')} = ${value}: ${(err as Error).message}`);
          return false;
        }
        replaced++;
      }
    }
  }
  console.log(
    `  wrong types: ${replaced} lines (${byKind.size} record kinds × every field × ${WRONG_VALUES.length} types)`,
  );
  return true;
}

async function endToEnd(): Promise<boolean> {
  const files = SHORT_SET.map((f, i) => {
    const lines = linesOf(f);
    return mixFile(
      homePath(lines[0]!.assistant, path.basename(f)),
      lines,
      mutantsPerFile,
      seed + i,
      DEFAULT_SIZES,
    );
  });
  const mutants = files.reduce((n, f) => n + f.mutants.length, 0);
  const invalid = files.reduce((n, f) => n + f.mutants.filter((m) => m.invalidJson).length, 0);
  console.log(
    `end to end: ${files.length} files, ${mutants} mutated lines (${invalid} invalid JSON), real CLI + test server`,
  );
  const clean = await syncHome(files.map((f) => ({ rel: f.rel, bytes: f.clean })));
  const mixed = await syncHome(files.map((f) => ({ rel: f.rel, bytes: f.mixed })));
  try {
    const r = compare(clean, mixed);
    const warned = new Set(r.warnings.map((w) => `${w.path}:${w.line_no}`));
    let unwarned = 0;
    for (const f of files)
      for (const m of f.mutants)
        if (m.invalidJson && !warned.has(`${path.join(mixed.home.root, f.rel)}:${m.lineNo}`)) unwarned++;
    const summary = JSON.parse(mixed.sync.stdout || '{}');
    console.log(
      `  sync exit ${mixed.sync.code}; ${r.warnings.length} warnings; invalid lines without one: ${unwarned}`,
    );
    console.log(
      `  clean messages missing: ${r.missingMessages.length}; clean server rows missing: ${r.missingRows.length}; ` +
        `unpublished: ${r.unpublished}; server ≠ client: ${r.serverMismatch}; stored twice: ${r.duplicates}`,
    );
    console.log(
      `  server rows: clean ${clean.server.admin.rows().length}, mixed ${mixed.server.admin.rows().length}`,
    );
    const ok =
      mixed.sync.code === 0 &&
      summary.publish?.remainingSessions === 0 &&
      unwarned === 0 &&
      r.missingMessages.length === 0 &&
      r.missingRows.length === 0 &&
      r.unpublished === 0 &&
      r.serverMismatch === 0 &&
      r.duplicates === 0;
    if (!ok)
      console.log(`FAILED: ${mixed.sync.stderr.slice(0, 2000)}\n${r.missingMessages.slice(0, 3).join('\n')}`);
    return ok;
  } finally {
    await clean.server.close();
    await mixed.server.close();
  }
}

const ok = parserLevel() && (opts['skip-e2e'] || (await endToEnd()));
console.log(ok ? 'hostile input: PASS' : 'hostile input: FAIL');
process.exitCode = ok ? 0 : 1;
