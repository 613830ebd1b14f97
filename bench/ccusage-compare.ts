/**
 * `npm run ccusage-compare`: `aiobscura usage` beside ccusage 20 on the same corpus files, for
 * docs/USAGE.md. Both read a copy of the corpus laid out as ~/.claude and ~/.codex (ccusage does not follow
 * symbolic links to files), once as the files are and once normalised (compact JSON, timestamps cut to
 * milliseconds), which separates what ccusage cannot read from how the two count. Days in UTC. Figures go to
 * stdout and `bench/.work/ccusage-compare.json`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { linkCorpus, REPO_ROOT } from '../test/support/corpus.js';
import { ccusageBinary } from './ccusage-install.js';
import { CLI } from './proc.js';
import { writeResults } from './report.js';

const WORK = path.join(REPO_ROOT, 'bench', '.work', 'ccusage-compare');
type Tokens = { input: number; output: number; cache_read: number; cache_write: number };
interface Side {
  tokens: Tokens;
  cost: number | null;
  models: Map<string, Tokens & { cost: number | null }>;
}

const log = (m: string) => process.stderr.write(`[ccusage-compare] ${m}\n`);
const fmt = (n: number) => n.toLocaleString('en-US');

/** The corpus as the assistants lay it out, copied (not linked); Claude lines normalised on request. */
function layOut(name: string, normalise: boolean): { claude: string; codex: string } {
  const tree = linkCorpus();
  const root = path.join(WORK, name);
  fs.rmSync(root, { recursive: true, force: true });
  fs.cpSync(tree.root, root, { recursive: true, dereference: true });
  fs.rmSync(tree.root, { recursive: true, force: true });
  const claude = path.join(root, 'claude');
  if (normalise)
    for (const f of walk(claude)) fs.writeFileSync(f, normaliseLines(fs.readFileSync(f, 'utf8')));
  return { claude, codex: path.join(root, 'codex') };
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? walk(full) : e.name.endsWith('.jsonl') ? [full] : [];
  });
}

function normaliseLines(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      try {
        const r = JSON.parse(line) as Record<string, unknown>;
        if (typeof r.timestamp === 'string') r.timestamp = r.timestamp.replace(/(\.\d{3})\d+Z$/, '$1Z');
        return JSON.stringify(r);
      } catch {
        return line;
      }
    })
    .join('\n');
}

function ours(dirs: { claude: string; codex: string }, assistant: string, db: string): Side {
  const run = (...args: string[]) =>
    execFileSync(
      process.execPath,
      [CLI, '--db', db, '--claude-dir', dirs.claude, '--codex-dir', dirs.codex, ...args],
      {
        encoding: 'utf8',
        env: { ...process.env, TZ: 'UTC' },
      },
    );
  if (!fs.existsSync(db)) run('sync', '--no-progress');
  const r = JSON.parse(run('usage', 'model', '--json', '--utc', '--assistant', assistant)) as {
    rows: Record<string, number & string>[];
    totals: Record<string, number | null>;
  };
  const tokens = (x: Record<string, unknown>): Tokens => ({
    input: x.tokens_input as number,
    output: x.tokens_output as number,
    cache_read: x.tokens_cache_read as number,
    cache_write: x.tokens_cache_creation as number,
  });
  return {
    tokens: tokens(r.totals),
    cost: r.totals.cost_usd ?? null,
    models: new Map(r.rows.map((row) => [String(row.model), { ...tokens(row), cost: row.cost_usd ?? null }])),
  };
}

interface Breakdown {
  modelName: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  cost: number;
}

function ccusage(bin: string, dirs: { claude: string; codex: string }, assistant: string): Side {
  const home = path.join(WORK, 'home');
  fs.mkdirSync(home, { recursive: true });
  const out = execFileSync(bin, [assistant, 'daily', '--json', '--offline'], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: home,
      CLAUDE_CONFIG_DIR: dirs.claude,
      CODEX_HOME: dirs.codex,
      TZ: 'UTC',
    },
  });
  const r = JSON.parse(out) as { daily: Record<string, unknown>[]; totals: Record<string, number> };
  const models = new Map<string, Tokens & { cost: number | null }>();
  for (const day of r.daily) {
    for (const b of (day.modelBreakdowns as Breakdown[] | undefined) ?? []) {
      const m = models.get(b.modelName) ?? { input: 0, output: 0, cache_read: 0, cache_write: 0, cost: 0 };
      m.input += b.inputTokens;
      m.output += b.outputTokens;
      m.cache_read += b.cacheReadTokens;
      m.cache_write += b.cacheCreationTokens;
      m.cost = (m.cost ?? 0) + b.cost;
      models.set(b.modelName, m);
    }
  }
  const t = r.totals;
  return {
    tokens: {
      input: t.inputTokens!,
      output: t.outputTokens!,
      cache_read: t.cacheReadTokens!,
      cache_write: t.cacheCreationTokens!,
    },
    cost: t.totalCost ?? t.costUSD ?? null,
    models,
  };
}

/** The first three columns are labels, the rest figures (right-aligned). */
function row(cells: (string | number)[], widths: number[]): string {
  return cells
    .map((c, i) => {
      const text = typeof c === 'number' ? fmt(c) : c;
      return i < 3 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!);
    })
    .join('  ')
    .trimEnd();
}

function main(): void {
  const { bin, version } = ccusageBinary(log);
  const widths = [11, 7, 10, 10, 9, 12, 12, 10];
  const lines = [
    `ccusage ${version} beside aiobscura usage on ../shared/corpus (days in UTC)`,
    '',
    row(['layout', 'agent', 'tool', 'input', 'output', 'cache read', 'cache write', 'cost $'], widths),
  ];
  const results: Record<string, unknown> = { ccusage: version };
  const models: string[] = [];
  for (const [layout, normalise] of [
    ['as-is', false],
    ['normalised', true],
  ] as const) {
    const dirs = layOut(layout, normalise);
    for (const assistant of ['claude', 'codex']) {
      const a = ours(dirs, assistant, path.join(WORK, `${layout}.db`));
      const c = ccusage(bin, dirs, assistant);
      const money = (x: number | null) => (x === null ? 'unpriced' : x.toFixed(4));
      const t = (x: Tokens) => [x.input, x.output, x.cache_read, x.cache_write];
      lines.push(row([layout, assistant, 'aiobscura', ...t(a.tokens), money(a.cost)], widths));
      lines.push(row(['', '', 'ccusage', ...t(c.tokens), money(c.cost)], widths));
      const d = t(a.tokens).map((v, i) => v - t(c.tokens)[i]!);
      lines.push(row(['', '', 'difference', ...d.map((v) => (v > 0 ? `+${fmt(v)}` : fmt(v))), ''], widths));
      results[`${layout}/${assistant}`] = {
        aiobscura: a.tokens,
        ccusage: c.tokens,
        cost: { aiobscura: a.cost, ccusage: c.cost },
      };
      if (layout === 'normalised' && assistant === 'claude') results.models = modelCosts(a, c, models);
    }
  }
  process.stdout.write(`${[...lines, ...models].join('\n')}\n`);
  writeResults(path.join(REPO_ROOT, 'bench', '.work', 'ccusage-compare.json'), results);
}

/** Dollars per model where both tools counted the same tokens: the prices alone differ. */
function modelCosts(a: Side, c: Side, lines: string[]): Record<string, unknown> {
  lines.push('', 'Claude models with the same tokens in both (normalised layout), cost in $:');
  const out: Record<string, unknown> = {};
  for (const [model, m] of a.models) {
    const o = c.models.get(model);
    const same =
      o &&
      o.input === m.input &&
      o.output === m.output &&
      o.cache_read === m.cache_read &&
      o.cache_write === m.cache_write;
    if (!same) continue;
    out[model] = { aiobscura: m.cost, ccusage: o.cost };
    lines.push(
      `  ${model.padEnd(28)} aiobscura ${m.cost?.toFixed(6) ?? 'unpriced'}  ccusage ${o.cost?.toFixed(6)}`,
    );
  }
  return out;
}

main();
