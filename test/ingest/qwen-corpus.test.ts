/**
 * The Qwen Code samples (agent-sessions stage0 fixtures) through a real in-process sync, laid out the way
 * Qwen writes them (`<dir>/projects/<project>/chats/<sessionId>.jsonl`, symbolic links into the corpus).
 * Goldens are computed here from the raw lines by expressions written for this test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { needs } from '../support/shared.js';
import { appendInChunks, storedMessages, TestSync, tokenTotals } from '../support/sync.js';

const corpus = needs('corpus');
const SAMPLES = path.join(CORPUS_DIR, 'agent-sessions/Resources/Fixtures/stage0/agents/qwen');

type Json = Record<string, unknown>;
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function sampleFiles(): string[] {
  return fs
    .readdirSync(SAMPLES)
    .filter((n) => n.endsWith('.jsonl'))
    .map((n) => path.join(SAMPLES, n))
    .sort();
}

/** Every JSON object of a file: one per line, or several on a line glued `}{` (split at the seam). */
function rawRecords(file: string): Json[] {
  const out: Json[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    for (const piece of line.split(/(?<=\})(?=\{"uuid")/)) out.push(JSON.parse(piece) as Json);
  }
  return out;
}

function newSync(qwenDir: string): TestSync {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-qwen-'));
  const config = resolveConfig(
    {
      configPath: path.join(root, 'absent.toml'),
      databasePath: path.join(root, 'data.db'),
      dirs: { qwen: qwenDir },
    },
    { HOME: root },
  );
  return new TestSync(config);
}

/** `<root>/projects/<project>/chats/<name>` → the sample, for every sample. */
function layout(files: string[]): { dir: string; links: Map<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-qwen-home-'));
  const chats = path.join(dir, 'projects', '-tmp-as-qwen-fixture', 'chats');
  fs.mkdirSync(chats, { recursive: true });
  const links = new Map<string, string>();
  for (const f of files) {
    const link = path.join(chats, path.basename(f));
    fs.symlinkSync(f, link);
    links.set(f, link);
  }
  return { dir, links };
}

const open: TestSync[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

corpus.describe('Qwen samples through sync', () => {
  const files = sampleFiles();
  let sync: TestSync;
  let links: Map<string, string>;

  beforeAll(async () => {
    const laid = layout(files);
    links = laid.links;
    sync = newSync(laid.dir);
    const summary = await sync.run();
    expect(summary.skipped).toEqual([]);
  });
  afterAll(() => sync.close());

  corpus.it('finds every sample and accounts for every line: a stored record or a warning', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
    const stored = sync.db
      .prepare(
        'SELECT DISTINCT line_no FROM records r JOIN source_files f ON f.id = r.source_file_id WHERE f.path = ?',
      )
      .pluck();
    const warned = sync.db.prepare('SELECT line_no FROM ingest_warnings WHERE path = ?').pluck();
    const missing: string[] = [];
    for (const file of files) {
      const link = links.get(file)!;
      const seen = new Set([...(stored.all(link) as number[]), ...(warned.all(link) as number[])]);
      fs.readFileSync(file, 'utf8')
        .split('\n')
        .forEach((text, i) => {
          if (text.trim() !== '' && !seen.has(i + 1)) missing.push(`${path.basename(file)}:${i + 1}`);
        });
    }
    expect(missing).toEqual([]);
    // The glued line holds two records (a prompt and its answer): both are read.
    const glued = sync.db
      .prepare(
        "SELECT message_type FROM messages WHERE session_id = '019f0000-0000-7000-8000-000000000005' ORDER BY seq",
      )
      .pluck()
      .all();
    expect(glued).toEqual(['prompt', 'response']);
  });

  corpus.it('one session per file, named by the file, with the cwd and version of its records', () => {
    const sessions = sync.db
      .prepare("SELECT id, cwd, assistant_version FROM sessions WHERE assistant = 'qwen' ORDER BY id")
      .all() as {
      id: string;
      cwd: string | null;
      assistant_version: string | null;
    }[];
    expect(sessions.map((s) => s.id)).toEqual(files.map((f) => path.basename(f, '.jsonl')).sort());
    const first = sessions.find((s) => s.id === '019f0000-0000-7000-8000-000000000001')!;
    expect(first).toMatchObject({ cwd: '/tmp/as-qwen-fixture/project', assistant_version: '0.21.13' });
    // The record that names another session is reported, not moved.
    const wrong = sync.db
      .prepare("SELECT reason FROM ingest_warnings WHERE reason LIKE '%names session%'")
      .pluck()
      .all();
    expect(wrong.length).toBeGreaterThanOrEqual(1);
  });

  corpus.it('tokens: the golden sum of usageMetadata, once per uuid', () => {
    const byUuid = new Map<string, { input: number; output: number; cacheRead: number }>();
    for (const file of files) {
      for (const r of rawRecords(file)) {
        const u = r.usageMetadata as Json | undefined;
        if (r.type !== 'assistant' || !u || typeof u !== 'object') continue;
        const counters = [
          'promptTokenCount',
          'cachedContentTokenCount',
          'candidatesTokenCount',
          'thoughtsTokenCount',
        ];
        if (!counters.some((k) => typeof u[k] === 'number')) continue;
        const prompt = num(u.promptTokenCount);
        const cached = num(u.cachedContentTokenCount);
        const cand = num(u.candidatesTokenCount);
        const thoughts = num(u.thoughtsTokenCount);
        const inside =
          thoughts > 0 && num(u.totalTokenCount) === prompt + cand + num(u.toolUsePromptTokenCount);
        const prev = byUuid.get(String(r.uuid)) ?? { input: 0, output: 0, cacheRead: 0 };
        byUuid.set(String(r.uuid), {
          input: Math.max(prev.input, prompt - cached),
          output: Math.max(prev.output, inside ? cand : cand + thoughts),
          cacheRead: Math.max(prev.cacheRead, cached),
        });
      }
    }
    const sum = (k: 'input' | 'output' | 'cacheRead') => [...byUuid.values()].reduce((t, g) => t + g[k], 0);
    expect(byUuid.size).toBeGreaterThan(0);
    expect(tokenTotals(sync.db)).toEqual({
      responses: byUuid.size,
      input: sum('input'),
      output: sum('output'),
      cacheRead: sum('cacheRead'),
      cacheCreation: 0,
    });
  });

  corpus.it('every tool call is stored once and every result is linked to a call of its session', () => {
    const callIds = new Set<string>();
    for (const file of files)
      for (const r of rawRecords(file)) {
        const parts = ((r.message as Json | undefined)?.parts as Json[] | undefined) ?? [];
        for (const p of parts) {
          const fc = p?.functionCall as Json | undefined;
          if (fc && typeof fc.id === 'string') callIds.add(`${r.sessionId}\u0000${fc.id}`);
        }
      }
    const calls = sync.db
      .prepare("SELECT session_id, tool_use_id FROM messages WHERE message_type = 'tool_call'")
      .all() as { session_id: string; tool_use_id: string }[];
    expect(calls.length).toBe(callIds.size);
    const unlinked = sync.db
      .prepare(
        `SELECT r.identity FROM messages r WHERE r.message_type = 'tool_result' AND NOT EXISTS (
           SELECT 1 FROM messages c WHERE c.message_type = 'tool_call' AND c.session_id = r.session_id
             AND c.tool_use_id = r.tool_use_id)`,
      )
      .pluck()
      .all();
    expect(unlinked).toEqual([]);
    const responses = files
      .flatMap(rawRecords)
      .flatMap((r) => ((r.message as Json | undefined)?.parts as Json[] | undefined) ?? [])
      .filter((p) => p && typeof p.functionResponse === 'object').length;
    const results = sync.db
      .prepare("SELECT count(*) FROM messages WHERE message_type = 'tool_result'")
      .pluck()
      .get();
    expect(results).toBe(responses);
  });

  corpus.it(
    'nothing is stored twice: a second pass adds nothing, prompts match the raw human records',
    async () => {
      const before = storedMessages(sync.db);
      await sync.run();
      expect(storedMessages(sync.db)).toEqual(before);
      const humanPrompts = files
        .flatMap(rawRecords)
        .filter(
          (r) =>
            r.type === 'user' &&
            !['notification', 'cron', 'background_task_completed', 'goal_runtime'].includes(
              String(r.subtype),
            ),
        ).length;
      expect(before.filter((m) => m.message_type === 'prompt').length).toBe(humanPrompts);
      // The title of the last custom_title record of a file wins.
      const title = sync.db
        .prepare("SELECT title FROM sessions WHERE id = '019f0000-0000-7000-8000-000000000004'")
        .pluck()
        .get();
      expect(typeof title).toBe('string');
    },
  );
});

corpus.describe('Qwen file arriving in random chunks', () => {
  corpus.it(
    'any split of the appends ends with what one full sync stores',
    async () => {
      const sample = fs.readFileSync(path.join(SAMPLES, '019f0000-0000-7000-8000-000000000004.jsonl'));
      const other = fs.readFileSync(path.join(SAMPLES, '019f0000-0000-7000-8000-000000000001.jsonl'));
      const data = Buffer.concat([sample]);
      const chatsOf = (dir: string) => path.join(dir, 'projects', '-p', 'chats');
      const snapshot = (s: TestSync) => ({
        messages: storedMessages(s.db),
        publishable: s.db.prepare('SELECT identity, publishable FROM messages ORDER BY identity').all(),
        tokens: tokenTotals(s.db),
        sessions: s.db
          .prepare('SELECT id, cwd, model, title, parent_session_id FROM sessions ORDER BY id')
          .all(),
      });
      const fresh = () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-qwen-inc-'));
        fs.mkdirSync(chatsOf(dir), { recursive: true });
        fs.writeFileSync(path.join(chatsOf(dir), '019f0000-0000-7000-8000-000000000001.jsonl'), other);
        return dir;
      };
      const whole = fresh();
      fs.writeFileSync(path.join(chatsOf(whole), '019f0000-0000-7000-8000-000000000004.jsonl'), data);
      const full = newSync(whole);
      open.push(full);
      await full.run();
      const expected = snapshot(full);
      expect(expected.messages.length).toBeGreaterThan(8);

      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }),
          async (sizes) => {
            const dir = fresh();
            const file = path.join(chatsOf(dir), '019f0000-0000-7000-8000-000000000004.jsonl');
            fs.writeFileSync(file, '');
            const s = newSync(dir);
            try {
              await appendInChunks(s, file, data, (i) => sizes[i % sizes.length]!);
              expect(snapshot(s)).toEqual(expected);
            } finally {
              s.close();
            }
          },
        ),
        { numRuns: 8 },
      );
    },
    120_000,
  );
});

corpus.describe('Qwen discovery', () => {
  corpus.it(
    'finds chats/*.jsonl from the home or from projects/ itself; other project folders are ignored',
    async () => {
      const { discoverQwen } = await import('../../src/sources/qwen.js');
      const { dir } = layout(sampleFiles());
      fs.mkdirSync(path.join(dir, 'projects', 'no-chats'), { recursive: true });
      const problems: { path: string; reason: string }[] = [];
      const fromHome = discoverQwen(dir, problems);
      expect(fromHome.map((f) => f.path)).toEqual(
        discoverQwen(path.join(dir, 'projects'), []).map((f) => f.path),
      );
      expect(fromHome.map((f) => f.context.stem)).toEqual(
        sampleFiles().map((f) => path.basename(f, '.jsonl')),
      );
      expect(problems).toEqual([]);
    },
  );
});
