/**
 * `npm run soak -- [--outage S] [--events N] [--seed N] [--sessions N] [--warmup S] [--flush-on-recovery] [--json]`
 *
 * Runs the outage soak (soak.ts), prints its figures and a PASS/FAIL per criterion, exits 1 on any FAIL.
 */
import { parseArgs } from 'node:util';
import { stopChildrenOnSignal } from '../stop-children.js';
import { criteria } from './report.js';
import { runSoak, type SoakOptions } from './soak.js';

stopChildrenOnSignal();

const USAGE = `usage: npm run soak -- [--outage S] [--events N] [--seed N] [--sessions N] [--warmup S]
                         [--settle S] [--flush-on-recovery] [--json]
  --outage             minimum outage in seconds (default 120); extended until the backlog grew by --events
  --events             minimum backlog growth during the outage, in events (default 100000)
  --seed               picks the corpus records and their order (default 1)
  --sessions           live session files appended to (default 40)
  --warmup             seconds from the daemon's start to the RSS baseline and the outage (default 30)
  --settle             seconds to wait after the drain for open groups to close and publish (default 90)
  --flush-on-recovery  run \`aiobscura collector flush\` when the server is back instead of letting the
                       daemon's backoff bring it back
  --keep               keep the temporary directory (database, config, session files)
  --json               print the whole result as JSON`;

function num(name: string, v: string | undefined, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) {
    process.stderr.write(`--${name} must be a number >= ${min}, got ${v}\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}

function parse(argv: string[]): SoakOptions & { json: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      outage: { type: 'string' },
      events: { type: 'string' },
      seed: { type: 'string' },
      sessions: { type: 'string' },
      warmup: { type: 'string' },
      settle: { type: 'string' },
      'flush-on-recovery': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  return {
    outageS: num('outage', values.outage, 120),
    events: Math.ceil(num('events', values.events, 100_000)),
    seed: Math.floor(num('seed', values.seed, 1, 0)),
    sessions: Math.ceil(num('sessions', values.sessions, 40)),
    warmupS: num('warmup', values.warmup, 30),
    settleS: num('settle', values.settle, 90, 0),
    flushOnRecovery: values['flush-on-recovery'],
    json: values.json,
    keep: values.keep,
    log: (msg) => process.stderr.write(`${msg}\n`),
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`).join('\n');
}

async function main(): Promise<void> {
  const { json, ...opts } = parse(process.argv.slice(2));
  const result = await runSoak(opts);
  const { figures, checks } = criteria(result);
  const ok = checks.every((c) => c.pass);
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...result, checks, pass: ok }, null, 2)}\n`);
  } else {
    const out = [
      table([['figure', 'value'], ['---', '---'], ...figures]),
      '',
      table([
        ['criterion', 'measured', 'target', 'result'],
        ['---', '---', '---', '---'],
        ...checks.map((c) => [c.what, c.figure, c.target, c.pass ? 'PASS' : 'FAIL']),
      ]),
      '',
      ...result.verification.examples.map((e) => `problem: ${e}`),
      ok ? 'outage soak: PASS' : 'outage soak: FAIL',
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  }
  process.exitCode = ok ? 0 : 1;
}

await main();
