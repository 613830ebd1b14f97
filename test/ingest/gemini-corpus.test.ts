/**
 * The only public Gemini CLI JSONL-era sample (curated from a real 0.40 session) through a real in-process
 * sync, laid out as Gemini CLI writes it: `<home>/tmp/<project>/chats/session-….jsonl` (a symbolic link into
 * the corpus, never a copy) beside the project's `.project_root`. Golden figures are computed here from the
 * raw lines by expressions written for this test, never taken from aiobscura's own output.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type ResolvedConfig, resolveConfig } from '../../src/config/index.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { needs } from '../support/shared.js';
import { appendInChunks, storedMessages, TestSync, tokenTotals } from '../support/sync.js';

const corpus = needs('corpus');

const SAMPLE = path.join(
  CORPUS_DIR,
  'agent-sessions/Resources/Fixtures/stage0/agents/gemini/jsonl_v040.jsonl',
);
const PROJECT = '/home/jane/agent-sessions';

type Json = Record<string, unknown>;

interface Layout {
  root: string;
  geminiDir: string;
  file: string;
  config: ResolvedConfig;
}

/** `<root>/gemini/tmp/agent-sessions/{.project_root, chats/}` and a config that reads only that. */
function layout(name = 'session-2026-04-29T21-39-gemini_s.jsonl'): Layout {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-gemini-'));
  const geminiDir = path.join(root, 'gemini');
  const project = path.join(geminiDir, 'tmp', 'agent-sessions');
  fs.mkdirSync(path.join(project, 'chats'), { recursive: true });
  fs.writeFileSync(path.join(project, '.project_root'), `${PROJECT}\n`);
  const config = resolveConfig(
    {
      configPath: path.join(root, 'absent.toml'),
      databasePath: path.join(root, 'data.db'),
      dirs: { gemini: geminiDir },
    },
    { HOME: root },
  );
  return { root, geminiDir, file: path.join(project, 'chats', name), config };
}

function rawLines(file: string): { lineNo: number; text: string }[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((text, i) => ({ lineNo: i + 1, text }))
    .filter((l) => l.text.trim() !== '');
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** The last version of each message id, as Gemini CLI itself loads the file (`messagesMap.set(id, …)`). */
function lastById(file: string): Map<string, Json> {
  const byId = new Map<string, Json>();
  for (const l of rawLines(file)) {
    const r = JSON.parse(l.text) as Json;
    if (typeof r.id === 'string') byId.set(r.id, r);
  }
  return byId;
}

/** Independent golden of the `responses` table: sum of the formula over the last record of each id. */
function goldenTokens(file: string) {
  const g = { responses: 0, input: 0, output: 0, cacheRead: 0, cacheCreation: 0, total: 0 };
  for (const r of lastById(file).values()) {
    const t = r.tokens as Json | null | undefined;
    if (r.type !== 'gemini' || !t || typeof t !== 'object') continue;
    g.responses++;
    g.input += num(t.input) - num(t.cached) + num(t.tool);
    g.cacheRead += num(t.cached);
    g.output += num(t.output) + num(t.thoughts);
    g.total += num(t.total);
  }
  return g;
}

/** Independent count of the messages the sample must yield: one per prompt, text, thought, call and result. */
function goldenMessageCount(file: string): number {
  let n = 0;
  for (const r of lastById(file).values()) {
    const text = (c: unknown): string =>
      typeof c === 'string'
        ? c
        : Array.isArray(c)
          ? c.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('')
          : '';
    if (r.type === 'user') n += text(r.content).trim() ? 1 : 0;
    if (r.type === 'gemini') {
      const calls = Array.isArray(r.toolCalls) ? (r.toolCalls as Json[]) : [];
      n += (text(r.content).trim() ? 1 : 0) + (Array.isArray(r.thoughts) ? r.thoughts.length : 0);
      n += calls.length + calls.filter((c) => c.result != null).length;
    }
  }
  return n;
}

const open: TestSync[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function newSync(l: Layout): TestSync {
  const s = new TestSync(l.config);
  open.push(s);
  return s;
}

corpus.describe('Gemini CLI JSONL sample through sync', () => {
  let l: Layout;
  let sync: TestSync;
  const sid = () => (JSON.parse(rawLines(SAMPLE)[0]!.text) as Json).sessionId as string;

  beforeAll(async () => {
    l = layout();
    fs.symlinkSync(SAMPLE, l.file);
    sync = new TestSync(l.config);
    const summary = await sync.run();
    expect(summary.skipped).toEqual([]);
  });
  afterAll(() => sync.close());

  it('accounts for every line: a record row that stored a message or says why, or a warning', () => {
    const rows = sync.db
      .prepare(
        `SELECT r.line_no, r.message_count, r.note FROM records r JOIN source_files f ON f.id = r.source_file_id
         WHERE f.path = ?`,
      )
      .all(l.file) as { line_no: number; message_count: number; note: string | null }[];
    const warned = new Set(
      (sync.db
        .prepare('SELECT line_no FROM ingest_warnings WHERE path = ?')
        .pluck()
        .all(l.file) as number[]) ?? [],
    );
    const byLine = new Map(rows.map((r) => [r.line_no, r]));
    const lines = rawLines(SAMPLE);
    expect(lines.length).toBe(5);
    for (const line of lines) {
      const row = byLine.get(line.lineNo);
      expect(row ?? warned.has(line.lineNo), `line ${line.lineNo}`).toBeTruthy();
      if (row && row.message_count === 0) expect(row.note ?? '', `line ${line.lineNo}`).not.toBe('');
    }
    expect(warned.size).toBe(0);
  });

  it('stores the token totals of an independent golden (last record per id, then the formula)', () => {
    const golden = goldenTokens(SAMPLE);
    // The figures the sample holds: 11855 − 0 and 12069 − 11502 input, 0 and 11502 cached, 81 and 147 output.
    expect(golden).toEqual({
      responses: 2,
      input: 12422,
      output: 228,
      cacheRead: 11502,
      cacheCreation: 0,
      total: 24152,
    });
    // The mapping loses nothing: input + cacheRead + output is Gemini's own totalTokenCount.
    expect(golden.input + golden.cacheRead + golden.output).toBe(golden.total);
    const { total: _total, ...expected } = golden;
    expect(tokenTotals(sync.db)).toEqual(expected);
    const keys = sync.db.prepare('SELECT key FROM responses ORDER BY key').pluck().all();
    expect(keys).toEqual([`gemini:${sid()}:g-assistant-1`, `gemini:${sid()}:g-assistant-2`]);
  });

  it('stores the session with its project path, and each message once', () => {
    const sessions = sync.db.prepare('SELECT id, assistant, cwd, model, started_at FROM sessions').all();
    expect(sessions).toEqual([
      {
        id: sid(),
        assistant: 'gemini',
        cwd: PROJECT,
        model: 'gemini-3-flash-preview',
        started_at: '2026-04-29T21:39:22.319Z',
      },
    ]);
    const stored = storedMessages(sync.db);
    expect(stored.length).toBe(goldenMessageCount(SAMPLE));
    expect(stored.map((m) => [m.message_type, m.author_role, m.tool_use_id])).toEqual([
      ['prompt', 'human', null],
      ['tool_call', 'assistant', 'run_shell_command_stage0'],
      ['tool_result', 'tool', 'run_shell_command_stage0'],
      ['response', 'assistant', null],
    ]);
    expect(stored[2]?.content).toBeNull();
    const result = sync.db
      .prepare("SELECT tool_result FROM messages WHERE message_type = 'tool_result'")
      .pluck()
      .get();
    expect(result).toBe('Output: AgentSessions/\nREADME.md\nProcess Group PGID: 12345');
    expect(new Set(stored.map((m) => m.identity)).size).toBe(stored.length);
    // The file is idle (an old corpus file), so every group closed at the end of the pass.
    expect(sync.db.prepare('SELECT count(*) FROM messages WHERE publishable = 0').pluck().get()).toBe(0);
  });
});

/**
 * The sample as Gemini CLI writes it live, rebuilt from its own records: each gemini message first appended
 * without tokens or tool calls, then again with tokens, then with its calls still running, then whole; the
 * tool output also as a user record of `functionResponse` parts (as 0.61 writes it); a `$set` after each.
 */
function liveVersion(): string {
  const recs = rawLines(SAMPLE).map((l) => JSON.parse(l.text) as Json);
  const out: Json[] = [];
  for (const r of recs) {
    if (r.type !== 'gemini') {
      out.push(r);
      continue;
    }
    const { tokens, toolCalls, ...bare } = r;
    out.push({ ...bare, tokens: null });
    out.push({ ...bare, tokens });
    if (Array.isArray(toolCalls)) {
      // The calls merged in while they run, the tool output as a user record, then the calls with results.
      const running = (toolCalls as Json[]).map(({ result: _r, ...c }) => ({ ...c, status: 'executing' }));
      out.push({ ...bare, tokens, toolCalls: running });
      for (const c of toolCalls as Json[]) {
        out.push({ id: `${String(r.id)}-fr`, timestamp: r.timestamp, type: 'user', content: c.result });
      }
      out.push({ ...r });
    }
    out.push({ $set: { lastUpdated: r.timestamp } });
  }
  return out.map((r) => `${JSON.stringify(r)}\n`).join('');
}

function snapshot(s: TestSync) {
  return {
    messages: storedMessages(s.db),
    tokens: tokenTotals(s.db),
    results: s.db.prepare('SELECT identity, tool_result, is_error FROM messages ORDER BY identity').all(),
  };
}

corpus.describe('Gemini CLI file arriving in pieces', () => {
  it('re-appends read in later passes end with the stored messages of one clean sync of the final file', async () => {
    const data = Buffer.from(liveVersion());
    const clean = layout();
    fs.writeFileSync(clean.file, data);
    const one = newSync(clean);
    await one.run();
    const expected = snapshot(one);
    expect(expected.tokens).toMatchObject({ responses: 2, input: 12422, output: 228, cacheRead: 11502 });
    // The functionResponse copy is not stored a second time, and the gemini copy (the source) won.
    expect(expected.messages.filter((m) => m.message_type === 'tool_result')).toHaveLength(1);
    expect(expected.results).toContainEqual(
      expect.objectContaining({
        tool_result: 'Output: AgentSessions/\nREADME.md\nProcess Group PGID: 12345',
      }),
    );
    expect(expected.messages.filter((m) => m.message_type === 'prompt')).toHaveLength(1);

    for (const sizes of [[Number.POSITIVE_INFINITY], [1], [37, 200, 1, 500, 3]]) {
      const p = layout();
      fs.writeFileSync(p.file, '');
      const s = newSync(p);
      const lines = data.toString().split(/(?<=\n)/);
      if (sizes[0] === Number.POSITIVE_INFINITY) {
        // One line per pass.
        for (const line of lines) {
          fs.appendFileSync(p.file, line);
          await s.run();
        }
      } else {
        await appendInChunks(s, p.file, data, (i) => sizes[i % sizes.length]!);
      }
      expect(snapshot(s)).toEqual(expected);
    }
  }, 120_000);

  it('keeps a gemini message unpublishable while it can still change, and final once the next one starts', async () => {
    const lines = liveVersion().split(/(?<=\n)/);
    const p = layout();
    fs.writeFileSync(p.file, '');
    const s = newSync(p);
    const open = () =>
      s.db
        .prepare('SELECT identity FROM messages WHERE publishable = 0 ORDER BY identity')
        .pluck()
        .all() as string[];
    // Up to and including the whole first gemini message (header, user, $set, its four versions and the
    // functionResponse record).
    for (const line of lines.slice(0, 8)) fs.appendFileSync(p.file, line);
    await s.run();
    expect(open().length).toBeGreaterThan(0);
    expect(open().every((id) => id.includes(':g-assistant-1'))).toBe(true);
    // The next message id's first part closes it.
    for (const line of lines.slice(6)) fs.appendFileSync(p.file, line);
    await s.run();
    expect(open().every((id) => id.includes(':g-assistant-2'))).toBe(true);
  });
});
