/**
 * `npm run chaos [-- --duration S --seed N --dir D --json]`: the full chaos run (issue 4, item 1). Prints
 * progress, then each minimum and comparison with its value and PASS/FAIL; exits 1 naming what failed.
 */
import { parseArgs } from 'node:util';
import { runDifferentialCommand } from '../differential/run.js';
import { stopChildrenOnSignal } from '../stop-children.js';
import { FULL_MINIMUMS, formatChecks, runChaos } from './harness.js';

stopChildrenOnSignal();

const { values } = parseArgs({
  options: {
    // `--differential`: the differential suite's long run (reliability/differential/) instead.
    differential: { type: 'boolean', default: false },
    runs: { type: 'string', default: '40' },
    actions: { type: 'string', default: '20-60' },
    scale: { type: 'string', default: 'long' },
    // 150 s of chaos + ≤ 60 s drain + ~30 s of checks (+ the build) stays under 5 minutes.
    duration: { type: 'string', default: '150' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
if (values.differential) {
  const [min, max] = (values.actions ?? '').split('-').map(Number);
  const runs = Number(values.runs);
  if (
    !(Number.isInteger(runs) && runs > 0 && Number.isInteger(min) && Number.isInteger(max) && min! <= max!)
  ) {
    console.error('--runs must be a positive integer and --actions MIN-MAX two integers, MIN ≤ MAX');
    process.exit(2);
  }
  if (values.scale !== 'short' && values.scale !== 'long') {
    console.error('--scale must be short or long');
    process.exit(2);
  }
  process.exit(
    await runDifferentialCommand({
      runs,
      seed: Number(values.seed),
      actions: { min: min!, max: max! },
      scale: values.scale,
      dir: values.dir,
      json: values.json ?? false,
    }),
  );
}

const durationSec = Number(values.duration);
const seed = Number(values.seed);
if (!(durationSec > 0) || !Number.isInteger(seed)) {
  console.error('--duration must be a positive number of seconds and --seed an integer');
  process.exit(2);
}

const log = (line: string) => (values.json ? console.error(line) : console.log(line));
log(`chaos run: ${durationSec} s, seed ${seed}`);
const result = await runChaos({
  durationSec,
  seed,
  dir: values.dir,
  sessions: 30,
  minimums: FULL_MINIMUMS,
  graceSec: 60,
  outageSec: 8,
  stallMs: 1500,
  burstBytes: 4 * 1024 * 1024,
  stepMs: 15,
  log,
});
if (values.json) console.log(JSON.stringify(result, null, 2));
else {
  console.log(
    `\n${result.lives} daemon lives in ${result.elapsedSec} s; generator: ${result.generator.lines} records, ` +
      `${result.generator.files} files, ${result.generator.torn} torn writes, ${result.generator.bursts} bursts; ` +
      `server rows ${result.server.serverRows} = local events ${result.server.localEvents} in ${result.server.sessions} sessions`,
  );
  console.log(formatChecks(result.checks));
  for (const e of result.unexpectedExits) console.log(`unexpected exit: ${e}`);
  for (const e of result.server.examples) console.log(`difference: ${e}`);
  console.log(`artefacts: ${result.dir}${result.pass ? ' (removed)' : ''}`);
}
const failed = result.checks.filter((c) => !c.pass);
if (failed.length > 0) {
  console.error(
    `chaos run FAILED: ${failed.map((c) => `${c.name} = ${c.value} (want ${c.want})`).join('; ')}`,
  );
  process.exit(1);
}
console.error('chaos run PASSED');
