/**
 * `aiobscura usage` as a user runs it (the built CLI) on a database made by a real `sync` of the corpus.
 * Token figures are checked against usage computed from the raw files (test/support/usage-golden.ts), and
 * dollars against prices read from @pydantic/genai-prices' own data, multiplied out by hand.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findProvider } from '@pydantic/genai-prices';
import { beforeAll, describe, expect, it } from 'vitest';
import { fakeHome, type Home, run } from '../support/cli.js';
import { linkCorpus, REPO_ROOT } from '../support/corpus.js';
import { dayIn, type GoldenResponse, goldenResponses, sumGolden } from '../support/usage-golden.js';

type Row = Record<string, unknown> & {
  responses: number;
  tokens_input: number;
  tokens_output: number;
  tokens_cache_read: number;
  tokens_cache_creation: number;
  tokens_total: number;
  cost_usd: number | null;
  unpriced_tokens: number;
};
interface Report {
  report: string;
  time_zone: string;
  pricing: { library: string; version: string };
  rows: Row[];
  totals: Row;
  notes: string[];
}

let home: Home;
let dirs: string[];
let golden: GoldenResponse[];
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => run(home, [...dirs, ...args], env);
const report = (args: string[], env: NodeJS.ProcessEnv = {}): Report => {
  const r = cli(['usage', ...args, '--json'], env);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Report;
};
const tokens = (r: Row) => ({
  input: r.tokens_input,
  output: r.tokens_output,
  cacheRead: r.tokens_cache_read,
  cacheCreation: r.tokens_cache_creation,
});
const sumRows = (rows: Row[]) =>
  rows.reduce(
    (t, r) => ({
      input: t.input + (r.tokens_input ?? 0),
      output: t.output + (r.tokens_output ?? 0),
      cacheRead: t.cacheRead + (r.tokens_cache_read ?? 0),
      cacheCreation: t.cacheCreation + (r.tokens_cache_creation ?? 0),
    }),
    { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 },
  );
const withoutCount = ({ responses: _, ...t }: ReturnType<typeof sumGolden>) => t;

beforeAll(() => {
  home = fakeHome();
  const tree = linkCorpus();
  dirs = ['--claude-dir', tree.claudeDir, '--codex-dir', tree.codexDir];
  const sync = cli(['sync', '--json']);
  expect(sync.code).toBe(0);
  golden = goldenResponses();
});

describe('usage totals', () => {
  it('equal the usage computed from the raw files, per assistant and overall', () => {
    for (const assistant of ['claude', 'codex'] as const) {
      const expected = sumGolden(golden.filter((g) => g.assistant === assistant));
      const got = report(['--assistant', assistant]).totals;
      expect(tokens(got)).toEqual(withoutCount(expected));
      if (assistant === 'claude') expect(got.responses).toBe(expected.responses);
    }
    const all = report([]).totals;
    expect(tokens(all)).toEqual(withoutCount(sumGolden(golden)));
    expect(all.tokens_total).toBe(
      all.tokens_input + all.tokens_output + all.tokens_cache_read + all.tokens_cache_creation,
    );
  });

  it('every report kind splits the same totals into rows that add up to them', () => {
    const total = report([]).totals;
    for (const kind of ['daily', 'weekly', 'monthly', 'session', 'project', 'model', 'blocks']) {
      const r = report([kind]);
      expect(r.report).toBe(kind);
      expect(r.totals).toEqual(total);
      expect(sumRows(r.rows.filter((row) => row.is_gap !== true))).toEqual(tokens(total));
      const costs = r.rows.map((row) => row.cost_usd ?? 0).reduce((a, b) => a + b, 0);
      expect(costs).toBeCloseTo(total.cost_usd!, 9);
    }
  });

  it('groups days in the local time zone (TZ), or in UTC with --utc', () => {
    const all = (g: GoldenResponse) => g.input + g.output + g.cacheRead + g.cacheCreation;
    for (const tz of ['Pacific/Kiritimati', 'America/Los_Angeles', 'Australia/Adelaide']) {
      // A response's day from the raw timestamps, by Intl. Where its records fall on several days (fixtures
      // reusing a message id), the day it is stored under is any of them: bounds instead of one figure.
      const low = new Map<string, number>();
      const high = new Map<string, number>();
      let ambiguous = 0;
      for (const g of golden) {
        const days = new Set(g.times.map((t) => dayIn(t, tz)));
        if (days.size > 1) ambiguous += all(g);
        for (const day of days) {
          if (days.size === 1) low.set(day, (low.get(day) ?? 0) + all(g));
          high.set(day, (high.get(day) ?? 0) + all(g));
        }
      }
      const r = report(['daily'], { TZ: tz });
      expect(r.time_zone).toBe(tz);
      const dated = r.rows.filter((row) => row.date);
      expect(ambiguous).toBeLessThan(r.totals.tokens_total / 100);
      for (const row of dated) {
        const day = row.date as string;
        expect(high.has(day), `${tz} ${day}`).toBe(true);
        expect(row.tokens_total).toBeGreaterThanOrEqual(low.get(day) ?? 0);
        expect(row.tokens_total).toBeLessThanOrEqual(high.get(day)!);
      }
      for (const [day, n] of low) if (n > 0) expect(dated.map((row) => row.date)).toContain(day);
    }
    const utc = report(['daily', '--utc'], { TZ: 'Pacific/Kiritimati' });
    expect(utc.time_zone).toBe('UTC');
    expect(utc.rows.map((r) => r.date)).toEqual(report(['daily'], { TZ: 'UTC' }).rows.map((r) => r.date));
  });
});

describe('usage cost', () => {
  /** A flat price of the library's data, per million tokens, by the library's model id. */
  const libraryPrice = (providerId: string, modelId: string) => {
    const model = findProvider({ providerId })!.models.find((m) => m.id === modelId)!;
    expect(Array.isArray(model.prices)).toBe(false);
    const p = model.prices as Record<string, unknown>;
    for (const k of ['input_mtok', 'output_mtok', 'cache_read_mtok', 'cache_write_mtok'])
      expect(typeof p[k], `${modelId} ${k} is a flat price`).toBe('number');
    return p as Record<'input_mtok' | 'output_mtok' | 'cache_read_mtok' | 'cache_write_mtok', number>;
  };

  it('prices two models by hand from the library data: tokens × $/Mtok, cache reads and writes at their rates', () => {
    const rows = report(['model']).rows;
    for (const [model, libraryId] of [
      ['claude-sonnet-4-20250514', 'claude-sonnet-4-0'],
      ['claude-opus-4-5-20251101', 'claude-opus-4-5'],
    ] as const) {
      const row = rows.find((r) => r.model === model)!;
      expect(row.priced_as).toBe(`anthropic:${libraryId}`);
      const t = sumGolden(golden.filter((g) => g.model === model));
      expect(tokens(row)).toEqual(withoutCount(t));
      const p = libraryPrice('anthropic', libraryId);
      const byHand =
        (t.input * p.input_mtok +
          t.output * p.output_mtok +
          t.cacheRead * p.cache_read_mtok +
          t.cacheCreation * p.cache_write_mtok) /
        1e6;
      expect(byHand).toBeGreaterThan(1);
      expect(row.cost_usd).toBeCloseTo(byHand, 9);
    }
  });

  it('shows a model without a price as unpriced, never $0, and counts its tokens apart', () => {
    const r = report(['model']);
    const unpriced = r.rows.filter((row) => row.cost_usd === null);
    expect(unpriced.length).toBeGreaterThan(0);
    const unpricedTokens = unpriced.reduce((n, row) => n + row.tokens_total, 0);
    expect(unpricedTokens).toBeGreaterThan(0);
    expect(r.totals.unpriced_tokens).toBe(unpricedTokens);
    for (const row of unpriced) expect(row.unpriced_tokens).toBe(row.tokens_total);
    const text = cli(['usage', 'model']).stdout;
    const line = text.split('\n').find((l) => l.startsWith('(none)'))!;
    expect(line).toMatch(/unpriced$/);
    expect(text).toContain(`* ${unpricedTokens.toLocaleString('en-US')} tokens have no known price`);
  });

  it('names the price source and its version, and prints tokens with thousands separators and a total row', () => {
    const version = JSON.parse(
      fs.readFileSync(path.join(REPO_ROOT, 'node_modules/@pydantic/genai-prices/package.json'), 'utf8'),
    ).version as string;
    const r = report([]);
    expect(r.pricing).toEqual({ library: '@pydantic/genai-prices', version });
    const text = cli(['usage', 'daily'], { TZ: 'UTC' }).stdout;
    expect(text).toMatch(
      /^Usage by day, local time \(UTC\)\n\nDATE +MODELS +INPUT +OUTPUT +CACHE READ +CACHE WRITE +TOTAL +COST\n/,
    );
    expect(text).toContain(`Prices: @pydantic/genai-prices ${version}`);
    const total = text.split('\n').find((l) => l.startsWith('TOTAL'))!;
    expect(total).toContain(r.totals.tokens_total.toLocaleString('en-US'));
    expect(total).toMatch(/ \$\d{1,3}(,\d{3})*\.\d\d\*$/);
  });
});

describe('usage filters and errors', () => {
  it('--since/--until select whole days in the report zone, --assistant and --project narrow the rows', () => {
    const all = report(['daily', '--utc']);
    const july = report(['daily', '--utc', '--since', '2025-07-01', '--until', '2025-07-31']);
    const inJuly = all.rows.filter(
      (r) => typeof r.date === 'string' && (r.date as string).startsWith('2025-07'),
    );
    expect(july.rows.map((r) => r.date)).toEqual(inJuly.map((r) => r.date));
    expect(tokens(july.totals)).toEqual(sumRows(inJuly));
    expect(july.filter.since).toBe('2025-07-01T00:00:00.000Z');
    expect(july.filter.until).toBe('2025-08-01T00:00:00.000Z');
    const tokyo = report(['daily', '--since', '2025-07-01'], { TZ: 'Asia/Tokyo' });
    expect(tokyo.filter.since).toBe('2025-06-30T15:00:00.000Z');
    const project = report(['session', '--project', 'JSSoundRecorder']);
    expect(project.rows.length).toBeGreaterThan(0);
    for (const r of project.rows) expect(r.project as string).toContain('JSSoundRecorder');
  });

  it('explains a mistaken option in one line and exits 64 (a usage error)', () => {
    for (const [args, message] of [
      [['--assistant', 'cluade'], '--assistant: no sessions from "cluade" in'],
      [
        ['--since', '2026-02-30'],
        '--since: "2026-02-30" is not a real date or time (February 2026 has 28 days)',
      ],
      [['--since', 'yesterday'], '--since: expected an ISO date or date-time'],
      [['--since', '2026-02-01', '--until', '2026-01-01'], 'is not before --until'],
    ] as const) {
      const r = cli(['usage', ...args]);
      expect(r.code).toBe(64);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const bad = cli(['usage', 'hourly']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(
      "'hourly' is invalid for argument 'report'. Allowed choices are daily, weekly",
    );
  });
});

describe('usage blocks', () => {
  it('marks the block in progress active, with the time left and the burn rate', () => {
    // A session written now, in a home of its own: the clock is the real one.
    const own = fakeHome();
    const now = Date.now();
    const record = (i: number, minutesAgo: number) =>
      JSON.stringify({
        type: 'assistant',
        uuid: `u-${i}`,
        parentUuid: i > 1 ? `u-${i - 1}` : null,
        sessionId: 'active-block-session',
        cwd: '/work/active',
        timestamp: new Date(now - minutesAgo * 60_000).toISOString(),
        message: {
          id: `msg_active_${i}`,
          role: 'assistant',
          model: 'claude-sonnet-4-20250514',
          content: [{ type: 'text', text: `answer ${i}` }],
          usage: {
            input_tokens: 100,
            output_tokens: 50,
            cache_read_input_tokens: 1000,
            cache_creation_input_tokens: 0,
          },
        },
      });
    const dir = path.join(own.claudeProjects, '-work-active');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'active-block-session.jsonl'), `${record(1, 90)}\n${record(2, 30)}\n`);
    expect(run(own, ['sync']).code).toBe(0);
    const r = JSON.parse(run(own, ['usage', 'blocks', '--json']).stdout) as Report;
    expect(r.rows).toHaveLength(1);
    const block = r.rows[0]!;
    const start = Math.floor((now - 90 * 60_000) / 3_600_000) * 3_600_000;
    expect(block.start).toBe(new Date(start).toISOString());
    expect(block.end).toBe(new Date(start + 5 * 3_600_000).toISOString());
    expect(block.is_active).toBe(true);
    expect(
      Math.abs((block.remaining_minutes as number) - (start + 5 * 3_600_000 - now) / 60_000),
    ).toBeLessThan(2);
    const rate = block.burn_rate as { tokens_per_minute: number; cost_per_hour_usd: number };
    expect(rate.tokens_per_minute).toBeCloseTo(2300 / 60, 6);
    expect(rate.cost_per_hour_usd).toBeCloseTo(block.cost_usd!, 9);
    expect(block.projected_cost_usd as number).toBeGreaterThan(block.cost_usd!);
    expect(run(own, ['usage', 'blocks']).stdout).toMatch(/ACTIVE, \d+h? ?\d+m left/);
  });
});
