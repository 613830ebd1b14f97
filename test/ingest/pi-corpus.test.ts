/**
 * pi sessions through a real in-process sync into a real SQLite file: the public pi corpus (two REAL v1
 * sessions of pi's author, one v3 fixture) laid out as pi does, pi's whole-file migration rewrite, a fork
 * that copies its parent's history, and appends in random chunks. Goldens are computed here from the raw
 * JSONL by expressions written for this test, never taken from aiobscura's output.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ResolvedConfig, resolveConfig } from '../../src/config/index.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { needs } from '../support/shared.js';
import { storedMessages, TestSync, tokenTotals } from '../support/sync.js';

const corpus = needs('corpus');

const FILES = [
  path.join(CORPUS_DIR, 'pi-mono/packages/coding-agent/test/fixtures/before-compaction.jsonl'),
  path.join(CORPUS_DIR, 'pi-mono/packages/coding-agent/test/fixtures/large-session.jsonl'),
  path.join(CORPUS_DIR, 'agent-sessions/Resources/Fixtures/stage0/agents/pi/small.jsonl'),
];
const LARGE = FILES[1]!;
const SMALL = FILES[2]!;

type Json = Record<string, unknown>;
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function records(file: string): Json[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Json);
}
const toJsonl = (rs: Json[]) => `${rs.map((r) => JSON.stringify(r)).join('\n')}\n`;
const messageOf = (r: Json) => (r.type === 'message' ? (r.message as Json) : null);

/** A temp pi agent dir and a config that reads only it. */
function piTree(): { piDir: string; project: string; config: () => ResolvedConfig } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-pi-'));
  const piDir = path.join(root, 'pi');
  const project = path.join(piDir, 'sessions', '--work-x--');
  fs.mkdirSync(project, { recursive: true });
  const config = () =>
    resolveConfig(
      {
        configPath: path.join(root, 'absent.toml'),
        databasePath: path.join(root, 'data.db'),
        dirs: { pi: piDir },
      },
      { HOME: root },
    );
  return { piDir, project, config };
}

const open: TestSync[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
function newSync(config: ResolvedConfig): TestSync {
  const s = new TestSync(config);
  open.push(s);
  return s;
}

/** Everything that must not depend on how the bytes arrived. */
function snapshot(s: TestSync) {
  return {
    messages: storedMessages(s.db),
    tokens: tokenTotals(s.db),
    responses: s.db
      .prepare(
        'SELECT key, session_id, input, output, cache_read, cache_creation FROM responses ORDER BY key',
      )
      .all(),
    sessions: s.db
      .prepare('SELECT id, assistant, cwd, model, title, parent_session_id FROM sessions ORDER BY id')
      .all(),
  };
}

corpus.describe('the pi corpus through sync', () => {
  let sync: TestSync;
  const links = new Map<string, string>();

  beforeAll(async () => {
    const t = piTree();
    for (const f of FILES) {
      const link = path.join(t.project, path.basename(f));
      fs.symlinkSync(f, link);
      links.set(f, link);
    }
    sync = new TestSync(t.config());
    const summary = await sync.run();
    expect(summary.skipped).toEqual([]);
    expect(summary.files).toBe(3);
  });
  afterAll(() => sync.close());

  it('accounts for every line: a message, a kept context row with a note, or a warning', () => {
    const rows = sync.db.prepare(
      `SELECT r.line_no, r.message_count, r.note FROM records r JOIN source_files f ON f.id = r.source_file_id
         WHERE f.path = ?`,
    );
    const warned = sync.db.prepare('SELECT line_no FROM ingest_warnings WHERE path = ?').pluck();
    let checked = 0;
    const unaccounted: string[] = [];
    for (const file of FILES) {
      const link = links.get(file)!;
      const byLine = new Map(
        (rows.all(link) as { line_no: number; message_count: number; note: string | null }[]).map((r) => [
          r.line_no,
          r,
        ]),
      );
      const warnings = new Set(warned.all(link) as number[]);
      fs.readFileSync(file, 'utf8')
        .split('\n')
        .forEach((text, i) => {
          if (text.trim() === '') return;
          checked++;
          const r = byLine.get(i + 1);
          const ok =
            warnings.has(i + 1) || (r !== undefined && (r.message_count > 0 || (r.note ?? '') !== ''));
          if (!ok) unaccounted.push(`${path.basename(file)}:${i + 1} ${text.slice(0, 80)}`);
        });
    }
    expect(unaccounted).toEqual([]);
    expect(checked).toBe(1003 + 1019 + 9);
    // The real files are clean: nothing to warn about.
    expect(sync.db.prepare('SELECT count(*) FROM ingest_warnings').pluck().get()).toBe(0);
  });

  it('stores one response per assistant entry with usage, with the raw token sums', () => {
    // Independent expression: the sum of each raw assistant `usage` field; an all-zero usage is no response.
    const want = { responses: 0, input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };
    let totalsChecked = 0;
    for (const file of FILES) {
      for (const r of records(file)) {
        const m = messageOf(r);
        if (m?.role !== 'assistant' || !m.usage) continue;
        const u = m.usage as Json;
        const four = num(u.input) + num(u.output) + num(u.cacheRead) + num(u.cacheWrite);
        // pi's input excludes the cache: its own total is the plain sum of the four counters.
        if (u.totalTokens !== undefined) {
          expect(u.totalTokens).toBe(four);
          totalsChecked++;
        }
        if (four === 0) continue;
        want.responses++;
        want.input += num(u.input);
        want.output += num(u.output);
        want.cacheRead += num(u.cacheRead);
        want.cacheCreation += num(u.cacheWrite);
      }
    }
    expect(totalsChecked).toBe(486);
    expect(want.responses).toBe(484 + 453 + 2 - 13 - 14);
    expect(tokenTotals(sync.db)).toEqual(want);
    // Each response rides on exactly one message of its own session.
    const unanchored = sync.db
      .prepare(
        `SELECT count(*) FROM responses r LEFT JOIN messages m ON m.id = r.anchor_message_id
           WHERE m.id IS NULL OR m.session_id != r.session_id`,
      )
      .pluck()
      .get();
    expect(unanchored).toBe(0);
  });

  it('stores every message once, with the counts the raw entries give', () => {
    const count = { prompt: 0, tool_call: 0, tool_result: 0, thinking: 0, response: 0, error: 0, summary: 0 };
    for (const file of FILES) {
      for (const r of records(file)) {
        if (r.type === 'compaction') count.summary++;
        const m = messageOf(r);
        if (!m) continue;
        if (m.role === 'user') count.prompt++;
        if (m.role === 'toolResult') count.tool_result++;
        if (m.role === 'bashExecution') {
          count.tool_call++;
          count.tool_result++;
        }
        if (m.role !== 'assistant') continue;
        if (m.errorMessage) count.error++;
        for (const b of m.content as Json[]) {
          if (b.type === 'toolCall') count.tool_call++;
          if (b.type === 'thinking' && b.thinking) count.thinking++;
          if (b.type === 'text' && b.text) count.response++;
        }
      }
    }
    const got = Object.fromEntries(
      (
        sync.db
          .prepare('SELECT message_type AS t, count(*) AS n FROM messages GROUP BY message_type')
          .all() as {
          t: string;
          n: number;
        }[]
      ).map((r) => [r.t, r.n]),
    );
    // Usage carriers are context rows made for responses whose entry yields no message; none here.
    expect(got).toEqual(count);
    const ids = storedMessages(sync.db).map((m) => m.identity);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('links every tool result to its call, and every call id comes from the raw entries', () => {
    const rawCalls = new Set<string>();
    for (const file of FILES)
      for (const r of records(file))
        for (const b of (messageOf(r)?.content as Json[] | undefined) ?? [])
          if (typeof b === 'object' && b?.type === 'toolCall') rawCalls.add(String(b.id));
    const calls = sync.db
      .prepare(
        `SELECT tool_use_id FROM messages WHERE message_type = 'tool_call' AND author_role = 'assistant'`,
      )
      .pluck()
      .all() as string[];
    expect(new Set(calls)).toEqual(rawCalls);
    const orphans = sync.db
      .prepare(
        `SELECT count(*) FROM messages r WHERE r.message_type = 'tool_result' AND NOT EXISTS
           (SELECT 1 FROM messages c WHERE c.message_type = 'tool_call' AND c.tool_use_id = r.tool_use_id
              AND c.session_id = r.session_id)`,
      )
      .pluck()
      .get();
    expect(orphans).toBe(0);
  });

  it('knows each session: id from the header, cwd, latest model', () => {
    const sessions = sync.db
      .prepare('SELECT id, assistant, cwd, parent_session_id FROM sessions ORDER BY id')
      .all();
    expect(sessions).toEqual(
      FILES.map((f) => {
        const h = records(f)[0]!;
        return { id: h.id, assistant: 'pi', cwd: h.cwd, parent_session_id: null };
      }).sort((a, b) => String(a.id).localeCompare(String(b.id))),
    );
  });
});

corpus.describe('pi rewrites its files', () => {
  it('a v1 file replaced by its migrated v3 rewrite stores nothing new; later appends are read', async () => {
    const v1 = records(LARGE);
    const t = piTree();
    const file = path.join(t.project, `2025-11-20T23-33-50-805Z_${v1[0]!.id}.jsonl`);
    fs.writeFileSync(file, toJsonl(v1));
    const s = newSync(t.config());
    const first = await s.run();
    expect(first.messages).toBeGreaterThan(1000);
    const before = snapshot(s);

    // What pi's migrateToCurrentVersion + _rewriteFile does: fresh ids and a parent chain on every entry,
    // `version: 3` on the header, the whole file written again in place (writeFileSync).
    let prev: string | null = null;
    const migrated = v1.map((r, i) => {
      if (r.type === 'session') return { ...r, version: 3 };
      const id = (0x1000_0000 + i * 2654435761).toString(16).slice(-8);
      const out = { ...r, id, parentId: prev };
      prev = id;
      return out;
    });
    fs.writeFileSync(file, toJsonl(migrated));
    const again = await s.run();
    expect(again.messages).toBe(0);
    expect(snapshot(s)).toEqual(before);

    // The session goes on in v3: exactly the new entries are added.
    const next = {
      type: 'message',
      id: 'feedbeef',
      parentId: prev,
      timestamp: '2025-11-21T09:00:00.000Z',
      message: {
        role: 'user',
        content: [{ type: 'text', text: 'one more thing' }],
        timestamp: 1763715600000,
      },
    };
    fs.appendFileSync(file, `${JSON.stringify(next)}\n`);
    const appended = await s.run();
    expect(appended.messages).toBe(1);
    expect(storedMessages(s.db).length).toBe(before.messages.length + 1);
  }, 120_000);

  it('a fork that copies its parent history stores the history once, in the parent, in either read order', async () => {
    const parent = records(SMALL);
    const forkId = '019e19b5-0000-7000-8000-00000000f0c0';
    const fork: Json[] = [
      {
        type: 'session',
        version: 3,
        id: forkId,
        timestamp: '2026-05-12T02:00:00.000Z',
        cwd: '/tmp/as-agent-fixture/project',
        parentSession: '/home/u/.pi/agent/sessions/--x--/2026-05-12T01-02-27-657Z_019e19b4.jsonl',
      },
      ...parent.slice(1, 5),
      {
        type: 'message',
        id: 'aaaabbbb',
        parentId: String(parent[4]!.id),
        timestamp: '2026-05-12T02:00:05.000Z',
        message: {
          role: 'user',
          content: [{ type: 'text', text: 'a new question in the fork' }],
          timestamp: 1,
        },
      },
    ];
    const layouts = [
      ['2026-05-12T01-02-27-657Z_parent.jsonl', '2026-05-12T02-00-00-000Z_fork.jsonl'],
      // Fork discovered first (its name sorts first): the parent's copy still wins when read.
      ['b_parent.jsonl', 'a_fork.jsonl'],
    ];
    const results = [];
    for (const [parentName, forkName] of layouts) {
      const t = piTree();
      fs.writeFileSync(path.join(t.project, parentName!), toJsonl(parent));
      fs.writeFileSync(path.join(t.project, forkName!), toJsonl(fork));
      const s = newSync(t.config());
      await s.run();
      const bySession = s.db
        .prepare(
          'SELECT session_id AS s, count(*) AS n FROM messages GROUP BY session_id ORDER BY session_id',
        )
        .all();
      results.push({ bySession, tokens: tokenTotals(s.db) });
    }
    const parentMessages = 2 + 2 + 2; // prompts, responses, compaction summaries of small.jsonl
    expect(results[0]).toEqual({
      bySession: [
        { s: String(parent[0]!.id), n: parentMessages },
        { s: forkId, n: 1 },
      ],
      tokens: { responses: 2, input: 24, output: 14, cacheRead: 0, cacheCreation: 0 },
    });
    expect(results[1]).toEqual(results[0]);
  });
});

describe('random chunks', () => {
  corpus.it(
    'appending a file in random chunks over several passes ends with one clean sync',
    async () => {
      const data = fs.readFileSync(LARGE);
      const small = fs.readFileSync(SMALL);
      const full = piTree();
      fs.writeFileSync(path.join(full.project, 'large.jsonl'), data);
      fs.writeFileSync(path.join(full.project, 'small.jsonl'), small);
      const clean = newSync(full.config());
      await clean.run();
      const expected = snapshot(clean);
      expect(expected.messages.length).toBeGreaterThan(1000);

      // Chunk sizes are bounded below so one run stays within ~60 passes (fast-check favours small numbers);
      // they still cut lines anywhere, so most passes end on a partial line.
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 20_000, max: 250_000 }), { minLength: 1, maxLength: 8 }),
          fc.array(fc.integer({ min: 40, max: 700 }), { minLength: 1, maxLength: 8 }),
          async (largeSizes, smallSizes) => {
            const t = piTree();
            const files = [
              { file: path.join(t.project, 'large.jsonl'), data, sizes: largeSizes },
              { file: path.join(t.project, 'small.jsonl'), data: small, sizes: smallSizes },
            ];
            for (const f of files) fs.writeFileSync(f.file, '');
            const s = newSync(t.config());
            const at = files.map(() => 0);
            for (let i = 0; files.some((f, k) => at[k]! < f.data.length); i++) {
              files.forEach((f, k) => {
                const n = Math.min(f.sizes[i % f.sizes.length]!, f.data.length - at[k]!);
                if (n > 0) fs.appendFileSync(f.file, f.data.subarray(at[k]!, at[k]! + n));
                at[k]! += n;
              });
              await s.run();
            }
            expect(snapshot(s)).toEqual(expected);
            s.close();
            open.splice(open.indexOf(s), 1);
          },
        ),
        { numRuns: 4 },
      );
    },
    300_000,
  );
});
