/**
 * `npm run chaos -- --differential [--runs N] [--seed S] [--actions MIN-MAX] [--scale short|long] [--dir D]
 * [--json]`: the long differential run. fast-check generates histories and, on a failure, shrinks it to a
 * minimal one, which is printed with its seed; exits 1 then.
 */
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { type DifferentialResult, runDifferential } from './differential.js';
import { describeHistory, historyArb } from './history.js';
import { inputFiles } from './inputs.js';

export interface DifferentialOptions {
  runs: number;
  seed: number;
  actions: { min: number; max: number };
  scale: 'short' | 'long';
  dir: string | undefined;
  json: boolean;
}

export async function runDifferentialCommand(o: DifferentialOptions): Promise<number> {
  const files = inputFiles(o.scale);
  const root = o.dir ?? path.join(os.tmpdir(), `aiobscura-differential-${process.pid}`);
  const log = (line: string) => (o.json ? console.error(line) : console.log(line));
  const bytes = files.reduce((n, f) => n + f.content.length, 0);
  log(
    `differential run: ${o.runs} histories of ${o.actions.min}–${o.actions.max} actions over ${files.length} ` +
      `real files (${Math.round(bytes / 1024)} KiB), seed ${o.seed}`,
  );
  const results: DifferentialResult[] = [];
  // What the histories did, over every history played (shrinking included): the run's coverage figures.
  const played = new Map<string, number>();
  let n = 0;
  const started = Date.now();
  const outcome = await fc.check(
    fc.asyncProperty(historyArb(files.length, o.actions), async (history) => {
      const t = Date.now();
      for (const a of history.actions) played.set(a.kind, (played.get(a.kind) ?? 0) + 1);
      const r = await runDifferential(path.join(root, `history-${++n}`), files, history);
      results.push(r);
      log(
        `#${n} ${r.differences.length === 0 ? 'same' : 'DIFFERENT'} in ${((Date.now() - t) / 1000).toFixed(1)} s: ` +
          `${r.figures.sessions} sessions, ${r.figures.messages} messages, ${r.figures.serverRows} server rows`,
      );
      return r.differences.length === 0;
    }),
    { seed: o.seed, numRuns: o.runs },
  );
  const seconds = Math.round((Date.now() - started) / 1000);
  const passed = !outcome.failed;
  const minimal = outcome.counterexample?.[0] ?? null;
  const failing = minimal ? results.find((r) => r.history === describeHistory(minimal)) : undefined;
  const summary = {
    pass: passed,
    seed: o.seed,
    histories: n,
    seconds,
    counterexample: minimal ? describeHistory(minimal) : null,
    shrinks: outcome.numShrinks,
    differences: (failing ?? results.filter((r) => r.differences.length > 0).at(-1))?.differences ?? [],
    sessions: results.reduce((m, r) => Math.max(m, r.figures.sessions), 0),
    serverRows: results.reduce((s, r) => s + r.figures.serverRows, 0),
    actions: Object.fromEntries([...played].sort(([a], [b]) => a.localeCompare(b))),
  };
  if (o.json) console.log(JSON.stringify(summary, null, 2));
  else {
    log(`\n${n} histories (${outcome.numShrinks} of them shrinking) in ${seconds} s`);
    log(
      `actions played: ${Object.entries(summary.actions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    if (!passed) {
      log(`minimal failing history: ${summary.counterexample}`);
      for (const d of summary.differences) log(`  ${d}`);
      log(`artefacts kept under ${root}`);
    }
  }
  console.error(passed ? 'differential run PASSED' : 'differential run FAILED');
  return passed ? 0 : 1;
}
