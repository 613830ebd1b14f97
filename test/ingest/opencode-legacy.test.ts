/**
 * OpenCode < 1.2 `storage/` JSON trees through a real in-process sync: discovery lists each session file as a
 * source `<dir>/storage#<project>/<session>`, reader/opencode-files.ts renders it as the same JSONL as a
 * database session, the OpenCode parser reads it. Trees are the corpus samples (copied into a temp dir laid
 * out as an OpenCode data directory) and one written here the way OpenCode wrote it, one JSON file per
 * session, message and part, rewritten in place while a message streams. Golden figures come from the JSON
 * files through expressions written for this test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../src/config/index.js';
import { discoverOpenCode } from '../../src/sources/opencode.js';
import { CORPUS_DIR } from '../support/corpus.js';
import {
  assistantData,
  type Json,
  OpenCodeDb,
  reasoningPart,
  stepFinish,
  stepStart,
  textPart,
  tokens,
  toolPart,
  userData,
} from '../support/opencode-db.js';
import { expectToolsLinked, finalState, storedIdentities } from '../support/opencode-state.js';
import { needs } from '../support/shared.js';
import { agentConfig, TestSync, tokenTotals } from '../support/sync.js';

const T0 = Date.parse('2026-11-01T10:00:00.000Z');

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

interface Layout {
  root: string;
  dir: string;
  storage: string;
}

function layout(): Layout {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-opencode-legacy-'));
  cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
  const dir = path.join(root, 'share', 'opencode');
  fs.mkdirSync(dir, { recursive: true });
  return { root, dir, storage: path.join(dir, 'storage') };
}

function configFor(l: Layout, name: string): ResolvedConfig {
  return agentConfig(l.root, { opencode: l.dir }, name);
}

function newSync(l: Layout, name: string, now: { ms: number }): TestSync {
  const s = new TestSync(configFor(l, name), () => new Date(now.ms));
  cleanups.push(() => s.close());
  return s;
}

// ---- the tree, written file by file as OpenCode < 1.2 did ------------------------------------------------

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
}

function session(l: Layout, project: string, s: Json): void {
  writeJson(path.join(l.storage, 'session', project, `${s.id}.json`), s);
}

function message(l: Layout, sessionID: string, id: string, data: Json): void {
  writeJson(path.join(l.storage, 'message', sessionID, `${id}.json`), { id, sessionID, ...data });
}

function part(l: Layout, sessionID: string, messageID: string, id: string, data: Json): void {
  writeJson(path.join(l.storage, 'part', messageID, `${id}.json`), { id, sessionID, messageID, ...data });
}

function sessionData(id: string, created: number, extra: Json = {}): Json {
  return {
    id,
    version: '0.15.31',
    projectID: 'proj_demo',
    directory: '/work/demo',
    title: 'New session',
    time: { created, updated: created },
    ...extra,
  };
}

const runningLs = () =>
  toolPart('call_3', 'bash', { command: 'ls' }, { status: 'running' }, { start: T0 + 312 });
const completedLs = () =>
  toolPart(
    'call_3',
    'bash',
    { command: 'ls' },
    { status: 'completed', output: 'a\nb\nc\n', exit: 0 },
    { start: T0 + 312, end: T0 + 400 },
  );

/** Session A (a prompt, a complete tool-call step, a step still streaming) and its sub-agent session B. */
function firstTree(l: Layout): void {
  session(l, 'proj_demo', sessionData('ses_A', T0));
  message(l, 'ses_A', 'msg_a0', userData(T0 + 100));
  part(l, 'ses_A', 'msg_a0', 'prt_a0_text', textPart('Run a command, then ask a sub-agent.'));
  const t1 = tokens(1000, 50, 2000, 10);
  message(
    l,
    'ses_A',
    'msg_a1',
    assistantData('msg_a0', T0 + 200, { completed: T0 + 290, finish: 'tool-calls', tokens: t1 }),
  );
  part(l, 'ses_A', 'msg_a1', 'prt_a1_start', stepStart());
  part(
    l,
    'ses_A',
    'msg_a1',
    'prt_a1_bash',
    toolPart(
      'call_1',
      'bash',
      { command: 'expr 6000 + 137' },
      { status: 'completed', output: '6137\n', exit: 0 },
      { start: T0 + 220, end: T0 + 225 },
    ),
  );
  part(
    l,
    'ses_A',
    'msg_a1',
    'prt_a1_task',
    toolPart(
      'call_2',
      'task',
      { prompt: 'count files', subagent_type: 'general' },
      { status: 'completed', output: '<task id="ses_B">3 files</task>' },
      { start: T0 + 226, end: T0 + 280 },
    ),
  );
  part(l, 'ses_A', 'msg_a1', 'prt_a1_finish', stepFinish('tool-calls', t1));
  // Still streaming: no time.completed, no finish, a running tool.
  message(l, 'ses_A', 'msg_a2', assistantData('msg_a0', T0 + 300));
  part(l, 'ses_A', 'msg_a2', 'prt_a2_think', reasoningPart('The output was 6137.'));
  part(l, 'ses_A', 'msg_a2', 'prt_a2_ls', runningLs());

  session(
    l,
    'proj_demo',
    sessionData('ses_B', T0 + 227, { parentID: 'ses_A', title: 'count files (@general subagent)' }),
  );
  message(l, 'ses_B', 'msg_b0', userData(T0 + 228, 'general'));
  part(l, 'ses_B', 'msg_b0', 'prt_b0_text', textPart('count files'));
  message(
    l,
    'ses_B',
    'msg_b1',
    assistantData('msg_b0', T0 + 230, {
      completed: T0 + 270,
      finish: 'stop',
      tokens: tokens(500, 20, 800, 0, 5),
    }),
  );
  part(l, 'ses_B', 'msg_b1', 'prt_b1_text', textPart('3 files'));
}

/** The streaming step completes: its tool part file is rewritten, its message gets time.completed and tokens. */
function secondTree(l: Layout): void {
  part(l, 'ses_A', 'msg_a2', 'prt_a2_ls', completedLs());
  part(l, 'ses_A', 'msg_a2', 'prt_a2_text', textPart('There are 3 files.'));
  message(
    l,
    'ses_A',
    'msg_a2',
    assistantData('msg_a0', T0 + 300, {
      completed: T0 + 470,
      finish: 'stop',
      tokens: tokens(1200, 60, 2100),
    }),
  );
}

// ---- independent goldens from the JSON files -------------------------------------------------------------

function jsonUnder(dir: string): Json[] {
  if (!fs.existsSync(dir)) return [];
  const out: Json[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.json'))
      out.push(JSON.parse(fs.readFileSync(path.join(e.parentPath, e.name), 'utf8')) as Json);
  }
  return out;
}

const isComplete = (d: Json) =>
  typeof (d.time as Json | undefined)?.completed === 'number' || typeof d.finish === 'string';

function expectedIdentities(storage: string): string[] {
  const ids: string[] = [];
  for (const d of jsonUnder(path.join(storage, 'part'))) {
    if ((d.type === 'text' || d.type === 'reasoning') && String(d.text ?? '').trim() !== '')
      ids.push(`opencode:${d.id}`);
    if (d.type === 'file' && String(d.filename ?? d.url ?? '') !== '') ids.push(`opencode:${d.id}`);
    if (d.type === 'tool') {
      ids.push(`opencode:${d.id}`);
      const status = (d.state as Json).status;
      if (status === 'completed' || status === 'error') ids.push(`opencode:${d.id}:result`);
    }
  }
  for (const m of jsonUnder(path.join(storage, 'message'))) if (m.error) ids.push(`opencode:${m.id}:error`);
  return ids.sort();
}

function expectedTokens(storage: string) {
  const g = { responses: 0, input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };
  for (const m of jsonUnder(path.join(storage, 'message'))) {
    const t = m.tokens as Json | undefined;
    if (m.role !== 'assistant' || !t || !isComplete(m)) continue;
    // Counters a sample leaves out count as 0.
    const n = (v: unknown) => (typeof v === 'number' ? v : 0);
    const cache = {
      read: n((t.cache as Json | undefined)?.read),
      write: n((t.cache as Json | undefined)?.write),
    };
    const [input, output, reasoning] = [n(t.input), n(t.output), n(t.reasoning)];
    const sum = input + output + reasoning + cache.read + cache.write;
    if (sum === 0) continue;
    g.responses++;
    g.input += input;
    g.output += output + reasoning;
    g.cacheRead += cache.read;
    g.cacheCreation += cache.write;
  }
  return g;
}

function expectStoredOnce(s: TestSync): void {
  const count = s.db.prepare('SELECT count(*) FROM messages').pluck().get();
  const distinct = s.db.prepare('SELECT count(DISTINCT identity) FROM messages').pluck().get();
  expect(count).toBe(distinct);
}

describe('OpenCode < 1.2 storage/ tree through sync', () => {
  it('discovers one source per session file, sub-agents after their parent, and reports nothing', () => {
    const l = layout();
    firstTree(l);
    const problems: { path: string; reason: string }[] = [];
    const files = discoverOpenCode(l.dir, problems);
    expect(problems).toEqual([]);
    expect(
      files.map((f) => [f.path, f.context.stem, f.context.role, f.context.parentSessionFromPath]),
    ).toEqual([
      [`${l.storage}#proj_demo/ses_A`, 'ses_A', 'main', null],
      [`${l.storage}#proj_demo/ses_B`, 'ses_B', 'agent', 'ses_A'],
    ]);
    expect(files.every((f) => f.context.format === 'opencode-files')).toBe(true);
  });

  it('stores every message once, links tools and the sub-agent, sums tokens; a rewrite equals a clean sync', async () => {
    const l = layout();
    firstTree(l);
    const now = { ms: T0 + 1000 };
    const sync = newSync(l, 'data', now);
    const first = await sync.run();
    expect(first.skipped).toEqual([]);
    expect(first.files).toBe(2);
    expect(first.changes).toEqual({ new: 2 });
    expect(first.warnings).toBe(0);
    expect(storedIdentities(sync)).toEqual(expectedIdentities(l.storage));
    expect(tokenTotals(sync.db)).toEqual(expectedTokens(l.storage));
    expect(expectToolsLinked(sync)).toBe(2);
    expectStoredOnce(sync);
    expect(sync.db.prepare('SELECT id, parent_session_id, cwd FROM sessions ORDER BY id').all()).toEqual([
      { id: 'ses_A', parent_session_id: null, cwd: '/work/demo' },
      { id: 'ses_B', parent_session_id: 'ses_A', cwd: '/work/demo' },
    ]);
    const open = sync.db
      .prepare('SELECT identity FROM messages WHERE publishable = 0 ORDER BY identity')
      .pluck()
      .all();
    expect(open).toEqual(['opencode:prt_a2_ls', 'opencode:prt_a2_think']);

    const again = await sync.run();
    expect(again.unchanged).toBe(2);
    expect(again.read).toBe(0);

    secondTree(l);
    now.ms = T0 + 5000;
    const second = await sync.run();
    expect(second.skipped).toEqual([]);
    expect(second.changes).toEqual({ rewritten: 1 });
    expect(second.unchanged).toBe(1);
    expect(second.warnings).toBe(0);
    expect(storedIdentities(sync)).toEqual(expectedIdentities(l.storage));
    expect(tokenTotals(sync.db)).toEqual(expectedTokens(l.storage));
    expect(expectToolsLinked(sync)).toBe(3);
    expect(sync.db.prepare('SELECT count(*) FROM messages WHERE publishable = 0').pluck().get()).toBe(0);
    expectStoredOnce(sync);

    const clean = newSync(l, 'clean', now);
    expect((await clean.run()).changes).toEqual({ new: 2 });
    expect(finalState(sync)).toEqual(finalState(clean));
  });

  it('reads a session present both in a database and in storage/ once, from the database', async () => {
    const l = layout();
    const oc = new OpenCodeDb(path.join(l.dir, 'opencode.db'));
    cleanups.push(() => oc.close());
    oc.session({ id: 'ses_A', created: T0, title: 'from the database' });
    oc.message('ses_A', 'msg_a0', userData(T0 + 100), T0 + 100);
    oc.part('ses_A', 'msg_a0', 'prt_db_text', textPart('Hello from the database'), T0 + 101);
    // The JSON tree OpenCode ≥ 1.2 imported once (here with a part the database no longer has).
    session(l, 'proj_demo', sessionData('ses_A', T0, { title: 'from the files' }));
    message(l, 'ses_A', 'msg_a0', userData(T0 + 100));
    part(l, 'ses_A', 'msg_a0', 'prt_file_text', textPart('Hello from the files'));
    // A session only the JSON tree has.
    session(l, 'proj_demo', sessionData('ses_L', T0 + 50));
    message(l, 'ses_L', 'msg_l0', userData(T0 + 60));
    part(l, 'ses_L', 'msg_l0', 'prt_l_text', textPart('Only in the files'));

    const problems: { path: string; reason: string }[] = [];
    expect(discoverOpenCode(l.dir, problems).map((f) => f.path)).toEqual([
      `${path.join(l.dir, 'opencode.db')}#ses_A`,
      `${l.storage}#proj_demo/ses_L`,
    ]);
    expect(problems).toEqual([]);

    const sync = newSync(l, 'data', { ms: T0 + 1000 });
    const pass = await sync.run();
    expect(pass.skipped).toEqual([]);
    expect(pass.changes).toEqual({ new: 2 });
    expect(storedIdentities(sync)).toEqual(['opencode:prt_db_text', 'opencode:prt_l_text']);
    expect(sync.db.prepare('SELECT id, title FROM sessions ORDER BY id').all()).toEqual([
      { id: 'ses_A', title: 'from the database' },
      { id: 'ses_L', title: 'New session' },
    ]);
  });
});

const corpus = needs('corpus');

corpus.describe('OpenCode < 1.2 corpus samples through sync', () => {
  const samples: [string, string][] = [
    ['codemie-code', 'codemie-code/tests/integration/metrics/fixtures/opencode/storage'],
    ['agent-sessions storage_v2', 'agent-sessions/Resources/Fixtures/stage0/agents/opencode/storage_v2'],
  ];
  for (const [name, rel] of samples) {
    it(`${name}: every message stored once, tokens and tools as the JSON files say`, async () => {
      const l = layout();
      fs.cpSync(path.join(CORPUS_DIR, rel), l.storage, { recursive: true });
      const sessionFiles = jsonUnder(path.join(l.storage, 'session'));
      const now = { ms: Date.parse('2027-01-01T00:00:00.000Z') };
      const sync = newSync(l, 'data', now);
      const pass = await sync.run();
      expect(pass.skipped).toEqual([]);
      expect(pass.files).toBe(sessionFiles.length);
      expect(pass.changes).toEqual({ new: sessionFiles.length });
      expect(storedIdentities(sync)).toEqual(expectedIdentities(l.storage));
      expect(storedIdentities(sync).length).toBeGreaterThan(0);
      expect(tokenTotals(sync.db)).toEqual(expectedTokens(l.storage));
      expectToolsLinked(sync);
      expectStoredOnce(sync);
      expect(
        (sync.db.prepare('SELECT id FROM sessions ORDER BY id').pluck().all() as string[]).sort(),
      ).toEqual(sessionFiles.map((s) => s.id as string).sort());
      const again = await sync.run();
      expect(again.unchanged).toBe(sessionFiles.length);
      expect(again.read).toBe(0);
    });
  }
});
