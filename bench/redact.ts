/**
 * Redaction throughput (docs/PERFORMANCE.md, "Redaction"): how fast the redactor (src/collector/redact) goes
 * through the text that leaves the machine. Input: every string value of every record of the corpus (code,
 * diffs, shell output, base64 images: what a session holds), read in place. Three figures:
 *
 * - `corpus`: the built-in detectors over those strings as they are (nearly all pass untouched);
 * - `corpus + secrets`: the same text with a fake credential planted every ~2 KiB (every detector fires);
 * - `corpus + 3 custom patterns`: the built-ins plus three `redact_patterns`, which have no cheap pre-check.
 *
 * MB/s is UTF-8 megabytes (10^6 bytes) of string content per second of wall time and of this process's CPU time,
 * best of `--runs` (default 5) passes after one warm-up pass. Run: `npm run build && node dist/bench/redact.js [--runs N]`.
 */
import fs from 'node:fs';
import { createRedactor, type Redactor } from '../src/collector/redact/index.js';
import { CORPUS_DIR, walkFiles } from '../test/support/corpus.js';

function* strings(v: unknown): Generator<string> {
  if (typeof v === 'string') yield v;
  else if (Array.isArray(v)) for (const x of v) yield* strings(x);
  else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) yield* strings(x);
}

function corpusStrings(): string[] {
  const out: string[] = [];
  for (const file of walkFiles(CORPUS_DIR).filter((f) => f.endsWith('.jsonl'))) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      try {
        out.push(...strings(JSON.parse(line)));
      } catch {
        // Damaged lines are part of the corpus; they are not text that leaves.
      }
    }
  }
  return out;
}

const fill = (seed: string, n: number) => seed.repeat(Math.ceil(n / seed.length)).slice(0, n);
const SECRETS = [
  `ghp_${fill('Q3vX9kLm2Pz7', 36)}`,
  `AKIA${'Z5Q2M7K3P9X4W6R8'}`,
  `eyJhbGciOiJIUzI1NiJ9.${Buffer.from('{"sub":"user-42"}').toString('base64url')}.${fill('s1GnAtUr3x', 43)}`,
  `password = "${fill('hunter2', 14)}"`,
  `postgres://app:${fill('pw9', 12)}@db:5432/x`,
  `xoxb-123456789012-${fill('aB3', 24)}`,
  `sk-ant-api03-${fill('Zx9_', 93)}`,
];

/** The same strings with a credential spliced in every ~2 KiB. */
function withSecrets(texts: string[]): string[] {
  let k = 0;
  return texts.map((s) => {
    if (s.length < 64) return s;
    const parts: string[] = [];
    for (let i = 0; i < s.length; i += 2048)
      parts.push(s.slice(i, i + 2048), ` ${SECRETS[k++ % SECRETS.length]} `);
    return parts.join('');
  });
}

interface Measured {
  /** MB per second of wall time, best pass. */
  mbps: number;
  /** MB per second of this process's CPU time (user + system), best pass: less sensitive to a busy machine. */
  cpuMbps: number;
  ms: number;
  changed: number;
}

function measure(redact: Redactor, texts: string[], runs: number): Measured {
  const bytes = texts.reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0);
  let best = Number.POSITIVE_INFINITY;
  let bestCpu = Number.POSITIVE_INFINITY;
  let changed = 0;
  for (let r = 0; r <= runs; r++) {
    changed = 0;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (const s of texts) if (redact(s) !== s) changed++;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu = process.cpuUsage(cpu0);
    if (r === 0) continue; // pass 0 warms the JIT
    best = Math.min(best, ms);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1000);
  }
  return { mbps: bytes / 1e6 / (best / 1000), cpuMbps: bytes / 1e6 / (bestCpu / 1000), ms: best, changed };
}

function main(): void {
  const i = process.argv.indexOf('--runs');
  const runs = i > 0 ? Math.max(1, Number(process.argv[i + 1])) : 5;
  const texts = corpusStrings();
  const dense = withSecrets(texts);
  const mb = (t: string[]) => (t.reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0) / 1e6).toFixed(1);
  const builtIn = createRedactor();
  const custom = createRedactor(['ACME-[0-9]{6}', 'corp\\.internal\\.example', '\\bemployee-id:\\s*\\d+']);
  const rows: [string, string, Measured][] = [
    ['corpus', mb(texts), measure(builtIn, texts, runs)],
    ['corpus + secrets every 2 KiB', mb(dense), measure(builtIn, dense, runs)],
    ['corpus + 3 custom patterns', mb(texts), measure(custom, texts, runs)],
  ];
  console.log(`redaction throughput, ${texts.length} strings, best of ${runs} runs, Node ${process.version}`);
  console.log(
    `load average at start: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );
  console.log(
    '| input | MB | MB/s (wall) | MB/s (CPU time) | best pass (ms) | strings changed |\n|---|---|---|---|---|---|',
  );
  for (const [name, size, r] of rows)
    console.log(
      `| ${name} | ${size} | ${r.mbps.toFixed(0)} | ${r.cpuMbps.toFixed(0)} | ${r.ms.toFixed(0)} | ${r.changed} |`,
    );
}

main();
