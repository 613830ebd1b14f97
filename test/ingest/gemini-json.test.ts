/**
 * Legacy Gemini CLI sessions (≤ 0.38: one JSON document rewritten whole) through a real in-process sync,
 * laid out as Gemini CLI writes them: `<home>/.gemini/tmp/<project>/chats/session-….json` (symbolic links
 * into the corpus, never copies) beside the project's `.project_root`. Golden figures are computed here from
 * the raw JSON documents by expressions written for this test, never taken from aiobscura's own output.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type ResolvedConfig, resolveConfig } from '../../src/config/index.js';
import type { PassSummary } from '../../src/sync/index.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { needs } from '../support/shared.js';
import { storedMessages, TestSync, tokenTotals } from '../support/sync.js';

const corpus = needs('corpus');

const CODEMIE = path.join(CORPUS_DIR, 'codemie-code/tests/integration/metrics/fixtures/gemini');
const STAGE0 = path.join(CORPUS_DIR, 'agent-sessions/Resources/Fixtures/stage0/agents/gemini');
/** Real JSON-era sessions. */
const REAL = [
  path.join(CODEMIE, 'session-2025-12-01T21-45-5b959dae.json'),
  path.join(CODEMIE, 'session-2026-01-16T11-01-file-ops-37b7abef.json'),
];
/** Curated fixtures in the JSON-era shape. */
const FIXTURES = [path.join(STAGE0, 'small.json'), path.join(STAGE0, 'large.json')];
/** A `.json` that is not a session record (no sessionId, no messages list). */
const DRIFT = path.join(STAGE0, 'schema_drift.json');
const PROJECT = '/home/jane/legacy-app';

type Json = Record<string, unknown>;

interface Layout {
  root: string;
  chats: string;
  config: ResolvedConfig;
}

/** `<root>/.gemini/tmp/legacy-app/{.project_root, chats/}` and a config that reads only that. */
function layout(): Layout {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-gemini-json-'));
  const geminiDir = path.join(root, '.gemini');
  const project = path.join(geminiDir, 'tmp', 'legacy-app');
  const chats = path.join(project, 'chats');
  fs.mkdirSync(chats, { recursive: true });
  fs.writeFileSync(path.join(project, '.project_root'), `${PROJECT}\n`);
  const config = resolveConfig(
    {
      configPath: path.join(root, 'absent.toml'),
      databasePath: path.join(root, 'data.db'),
      dirs: { gemini: geminiDir },
    },
    { HOME: root },
  );
  return { root, chats, config };
}

/** The chats name of a corpus file: Gemini CLI names every session file `session-….json`. */
function chatName(file: string): string {
  const base = path.basename(file);
  return base.startsWith('session-') ? base : `session-2026-01-01T00-00-${base}`;
}

const doc = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** The last version of each message id in `messages[]`, as Gemini CLI's own loader keeps it. */
function lastById(d: Json): Map<string, Json> {
  const byId = new Map<string, Json>();
  for (const r of d.messages as Json[]) if (typeof r.id === 'string') byId.set(r.id, r);
  return byId;
}

/** Independent golden of the `responses` table: the formula summed over the last record of each id. */
function goldenTokens(docs: Json[]) {
  const g = { responses: 0, input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };
  for (const d of docs) {
    for (const r of lastById(d).values()) {
      const t = r.tokens as Json | null | undefined;
      if (r.type !== 'gemini' || !t || typeof t !== 'object' || num(t.total) === 0) continue;
      g.responses++;
      g.input += num(t.input) - num(t.cached) + num(t.tool);
      g.cacheRead += num(t.cached);
      g.output += num(t.output) + num(t.thoughts);
    }
  }
  return g;
}

const textOf = (c: unknown): string =>
  typeof c === 'string'
    ? c
    : Array.isArray(c)
      ? c.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('')
      : '';

/** Independent count of the messages a document must yield: one per prompt, text, thought, call and result. */
function goldenMessageCount(d: Json): number {
  let n = 0;
  for (const r of lastById(d).values()) {
    if (r.type === 'user') n += textOf(r.content).trim() || textOf(r.displayContent).trim() ? 1 : 0;
    // Gemini CLI's notices: one message each.
    if (r.type === 'info' || r.type === 'warning' || r.type === 'error')
      n += textOf(r.content).trim() ? 1 : 0;
    // Any other type (large.json's `"model"` records with `parts`, not a type Gemini CLI writes) yields none.
    if (r.type === 'gemini') {
      const calls = Array.isArray(r.toolCalls) ? (r.toolCalls as Json[]) : [];
      n += (textOf(r.content).trim() ? 1 : 0) + (Array.isArray(r.thoughts) ? r.thoughts.length : 0);
      n += calls.length + calls.filter((c) => c.result != null).length;
    }
  }
  return n;
}

function warningCount(s: TestSync): number {
  return s.db.prepare('SELECT count(*) FROM ingest_warnings').pluck().get() as number;
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

corpus.describe('Gemini CLI legacy .json sessions through sync', () => {
  let l: Layout;
  let sync: TestSync;
  let summary: PassSummary;
  const docs = [...REAL, ...FIXTURES].map(doc);

  beforeAll(async () => {
    l = layout();
    for (const f of [...REAL, ...FIXTURES, DRIFT]) fs.symlinkSync(f, path.join(l.chats, chatName(f)));
    sync = new TestSync(l.config);
    summary = await sync.run();
  });
  afterAll(() => sync.close());

  it('reads every session document, and skips (naming why) the one that is not a session record', () => {
    expect(summary.skipped).toEqual([
      {
        path: path.join(l.chats, chatName(DRIFT)),
        reason: expect.stringMatching(/not a Gemini CLI session record/),
      },
    ]);
    expect(summary.read).toBe(4);
    expect(summary.warnings).toBe(0);
    expect(warningCount(sync)).toBe(0);
  });

  it('stores the token totals of an independent golden (last record per id, then the formula)', () => {
    const golden = goldenTokens(docs);
    // 11 and 9 gemini messages with tokens in the real sessions, 1 in small.json and 1 of 2 in large.json.
    expect(golden.responses).toBe(22);
    expect(golden.input + golden.cacheRead + golden.output).toBe(
      docs
        .flatMap((d) => [...lastById(d).values()])
        .reduce((s, r) => s + (r.type === 'gemini' ? num((r.tokens as Json | null)?.total) : 0), 0),
    );
    expect(tokenTotals(sync.db)).toEqual(golden);
  });

  it('stores each session with its project path, and each message once', () => {
    const sessions = sync.db.prepare('SELECT id, cwd, started_at FROM sessions ORDER BY id').all();
    expect(sessions).toEqual(
      docs
        .map((d) => ({ id: d.sessionId, cwd: PROJECT, started_at: d.startTime }))
        .sort((a, b) => String(a.id).localeCompare(String(b.id))),
    );
    const stored = storedMessages(sync.db);
    for (const d of docs) {
      const mine = stored.filter((m) => m.session_id === d.sessionId);
      expect(mine.length, String(d.sessionId)).toBe(goldenMessageCount(d));
    }
    expect(stored.length).toBe(docs.reduce((n, d) => n + goldenMessageCount(d), 0));
    expect(new Set(stored.map((m) => m.identity)).size).toBe(stored.length);
    expect(sync.db.prepare('SELECT count(*) FROM messages WHERE publishable = 0').pluck().get()).toBe(0);
  });

  it('keeps every rendered line as a record; a record of an unknown message type says so in its note', () => {
    const rows = sync.db
      .prepare(
        `SELECT f.path, r.message_count, r.note FROM records r JOIN source_files f ON f.id = r.source_file_id`,
      )
      .all() as { path: string; message_count: number; note: string | null }[];
    // One header line and one line per messages[] entry (none of these documents has a summary).
    expect(rows.length).toBe(docs.reduce((n, d) => n + 1 + (d.messages as Json[]).length, 0));
    for (const r of rows) if (r.message_count === 0) expect(r.note ?? '', r.path).not.toBe('');
    const unknown = rows.filter((r) => /unknown message type "model"/.test(r.note ?? ''));
    expect(unknown.length).toBe(
      docs.flatMap((d) => d.messages as Json[]).filter((m) => m.type === 'model').length,
    );
    expect(unknown.length).toBe(2);
  });

  it('a second pass over unchanged files stores nothing new', async () => {
    const before = storedMessages(sync.db).length;
    const again = await sync.run();
    expect(again.read).toBe(0);
    expect(storedMessages(sync.db).length).toBe(before);
    expect(warningCount(sync)).toBe(0);
  });
});

/** What a sync stored, by identity: messages with content, and tokens per response. */
function snapshot(s: TestSync) {
  return {
    messages: s.db
      .prepare(
        `SELECT identity, session_id, message_type, author_role, content, tool_name, tool_use_id, tool_input,
           tool_result, is_error FROM messages ORDER BY identity`,
      )
      .all(),
    responses: s.db
      .prepare(
        'SELECT key, session_id, model, input, output, cache_read, cache_creation FROM responses ORDER BY key',
      )
      .all(),
    tokens: tokenTotals(s.db),
    sessions: s.db.prepare('SELECT id, cwd, model, started_at, title FROM sessions').all(),
  };
}

/** Writes the document whole, as Gemini CLI does (`writeFileSync` of `JSON.stringify(conv, null, 2)`). */
function writeDoc(file: string, d: Json): void {
  fs.writeFileSync(file, JSON.stringify(d, null, 2));
}

corpus.describe('Gemini CLI legacy .json rewritten whole', () => {
  it('rewrites read in later passes end with the stored state of one clean sync of the final file', async () => {
    const final = doc(REAL[0]!);
    final.lastUpdated = '2025-12-01T22:00:00.000Z';
    final.summary = 'Explain the assistants folder and copy lead_memory.txt';
    const messages = final.messages as Json[];
    expect(messages).toHaveLength(14);
    // Stage 1: the first 6 messages, the 6th (a gemini one) before its tokens were recorded.
    expect(messages[5]?.type).toBe('gemini');
    const early = structuredClone(messages.slice(0, 6));
    early[5]!.tokens = null;
    const stage1 = { ...final, lastUpdated: '2025-12-01T21:46:00.000Z', messages: early };
    delete (stage1 as Json).summary;
    // Stage 2: the 6th message's tokens added and three more messages: a rewrite in the middle.
    const stage2 = { ...stage1, lastUpdated: '2025-12-01T21:50:00.000Z', messages: messages.slice(0, 9) };

    const l = layout();
    const file = path.join(l.chats, path.basename(REAL[0]!));
    const s = newSync(l);
    writeDoc(file, stage1);
    const ino = fs.statSync(file).ino;
    expect((await s.run()).changes).toEqual({ new: 1 });
    writeDoc(file, stage2);
    expect((await s.run()).changes).toEqual({ rewritten: 1 });
    // Stage 3: only messages appended (and the summary, last): the rendering keeps its prefix.
    writeDoc(file, final);
    expect(fs.statSync(file).ino).toBe(ino);
    expect((await s.run()).changes).toEqual({ appended: 1 });

    const clean = layout();
    writeDoc(path.join(clean.chats, path.basename(REAL[0]!)), final);
    const one = newSync(clean);
    await one.run();
    const expected = snapshot(one);
    expect(expected.tokens).toEqual(goldenTokens([final]));
    expect(expected.messages).toHaveLength(goldenMessageCount(final));
    expect(expected.sessions).toEqual([expect.objectContaining({ title: final.summary })]);
    expect(snapshot(s)).toEqual(expected);
    expect(warningCount(s)).toBe(0);
    expect(warningCount(one)).toBe(0);
  });

  it('the same id twice in messages[] is stored once, with its last version', async () => {
    const d = doc(FIXTURES[0]!);
    const [user, reply] = d.messages as Json[];
    const first = {
      ...reply,
      content: 'Hi',
      tokens: { input: 4, output: 1, cached: 0, thoughts: 0, tool: 0, total: 5 },
    };
    d.messages = [user, first, reply];
    const l = layout();
    writeDoc(path.join(l.chats, 'session-2026-01-16T18-34-3739ef95.json'), d);
    const s = newSync(l);
    await s.run();
    expect(tokenTotals(s.db)).toEqual(goldenTokens([d]));
    expect(tokenTotals(s.db)).toMatchObject({ responses: 1, input: 10, output: 5 });
    const stored = storedMessages(s.db);
    expect(stored).toHaveLength(goldenMessageCount(d));
    expect(stored.find((m) => m.message_type === 'response')?.content).toBe('Hi!');
    expect(warningCount(s)).toBe(0);
  });

  it('a half-written document is skipped and read once it is whole', async () => {
    const d = doc(FIXTURES[0]!);
    const text = JSON.stringify(d, null, 2);
    const l = layout();
    const file = path.join(l.chats, 'session-2026-01-16T18-34-3739ef95.json');
    fs.writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
    const s = newSync(l);
    const torn = await s.run();
    expect(torn.skipped).toEqual([
      { path: file, reason: expect.stringMatching(/not a complete JSON document/) },
    ]);
    expect(storedMessages(s.db)).toHaveLength(0);
    fs.writeFileSync(file, text);
    const whole = await s.run();
    expect(whole.skipped).toEqual([]);
    expect(storedMessages(s.db)).toHaveLength(goldenMessageCount(d));
    expect(warningCount(s)).toBe(0);
  });

  it('a .json beside its .jsonl twin (a resumed legacy session): only the .jsonl is read', async () => {
    const d = doc(FIXTURES[0]!);
    const l = layout();
    const json = path.join(l.chats, 'session-2026-01-16T18-34-3739ef95.json');
    writeDoc(json, d);
    // The twin as Gemini CLI ≥ 0.39 writes it on resume: the header, then every message as a line.
    const { messages, ...head } = d;
    const lines = [head, ...(messages as Json[])].map((r) => `${JSON.stringify(r)}\n`).join('');
    fs.writeFileSync(`${json}l`, lines);
    const s = newSync(l);
    const summary = await s.run();
    expect(summary.skipped).toEqual([]);
    expect(summary.read).toBe(1);
    const paths = s.db.prepare('SELECT path FROM source_files').pluck().all();
    expect(paths).toEqual([`${json}l`]);
    expect(storedMessages(s.db)).toHaveLength(goldenMessageCount(d));
    expect(tokenTotals(s.db)).toEqual(goldenTokens([d]));
  });

  it('a legacy session read as .json, then resumed (its .jsonl twin appears): nothing is stored twice', async () => {
    const d = doc(FIXTURES[1]!);
    const l = layout();
    const json = path.join(l.chats, 'session-2025-12-16T23-47-b4f17607.json');
    writeDoc(json, d);
    const s = newSync(l);
    await s.run();
    const before = snapshot(s);
    expect(before.messages).toHaveLength(goldenMessageCount(d));
    const { messages, ...head } = d;
    const lines = [head, ...(messages as Json[])].map((r) => `${JSON.stringify(r)}\n`).join('');
    fs.writeFileSync(`${json}l`, lines);
    const summary = await s.run();
    expect(summary.skipped).toEqual([]);
    expect(summary.read).toBe(1);
    expect(snapshot(s)).toEqual(before);
    expect(warningCount(s)).toBe(0);
  });
});
