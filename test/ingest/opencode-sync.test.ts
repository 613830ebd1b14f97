/**
 * OpenCode databases through a real in-process sync: discovery lists each session of `opencode*.db` as a
 * source `<db>#<session>`, the reader renders it, the parser reads the rendering. The databases are built here
 * with OpenCode's own DDL (test/support/opencode-db.ts) and changed the way OpenCode changes them: rows
 * UPDATEd in place while a message streams, rows added, sessions added, all while the writer keeps its WAL.
 * Golden figures come from the database rows through expressions written for this test.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../src/config/index.js';
import { discoverOpenCode } from '../../src/sources/opencode.js';
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
import { agentConfig, TestSync, tokenTotals } from '../support/sync.js';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');

interface Layout {
  root: string;
  dir: string;
  dbFile: string;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function layout(): Layout {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-opencode-'));
  const dir = path.join(root, 'share', 'opencode');
  fs.mkdirSync(dir, { recursive: true });
  return { root, dir, dbFile: path.join(dir, 'opencode.db') };
}

function configFor(l: Layout, name: string): ResolvedConfig {
  return agentConfig(l.root, { opencode: l.dir }, name);
}

/** A sync whose clock the test moves, so no group is ever closed by idle time behind its back. */
function newSync(l: Layout, name: string, now: { ms: number }): TestSync {
  const s = new TestSync(configFor(l, name), () => new Date(now.ms));
  cleanups.push(() => s.close());
  return s;
}

function openDb(file: string, opts: { autoCheckpoint?: boolean } = {}): OpenCodeDb {
  const db = new OpenCodeDb(file, opts);
  cleanups.push(() => db.close());
  return db;
}

const isComplete = (d: Json) =>
  typeof (d.time as Json | undefined)?.completed === 'number' || typeof d.finish === 'string';

/** Independent golden: the identity of every message the rows hold (see the parser's mapping table). */
function expectedIdentities(oc: OpenCodeDb): string[] {
  const ids: string[] = [];
  for (const p of oc.parts()) {
    const d = p.data;
    if ((d.type === 'text' || d.type === 'reasoning') && String(d.text ?? '').trim() !== '')
      ids.push(`opencode:${p.id}`);
    if (d.type === 'tool') {
      ids.push(`opencode:${p.id}`);
      const status = (d.state as Json).status;
      if (status === 'completed' || status === 'error') ids.push(`opencode:${p.id}:result`);
    }
  }
  for (const m of oc.messages()) if (m.data.error) ids.push(`opencode:${m.id}:error`);
  return ids.sort();
}

/** Independent golden: the token sums of every complete assistant message's `tokens`. */
function expectedTokens(oc: OpenCodeDb) {
  const g = { responses: 0, input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };
  for (const m of oc.messages()) {
    const t = m.data.tokens as Json | undefined;
    if (m.data.role !== 'assistant' || !t || !isComplete(m.data)) continue;
    const cache = t.cache as { read: number; write: number };
    const sum =
      (t.input as number) + (t.output as number) + (t.reasoning as number) + cache.read + cache.write;
    if (sum === 0) continue;
    g.responses++;
    g.input += t.input as number;
    g.output += (t.output as number) + (t.reasoning as number);
    g.cacheRead += cache.read;
    g.cacheCreation += cache.write;
  }
  return g;
}

/** Session A (a prompt, a complete tool-call step, a step still streaming) and its sub-agent session B. */
function firstState(oc: OpenCodeDb): void {
  oc.session({ id: 'ses_A', created: T0, title: 'New session' });
  oc.message('ses_A', 'msg_a0', userData(T0 + 100), T0 + 100);
  oc.part('ses_A', 'msg_a0', 'prt_a0_text', textPart('Run a command, then ask a sub-agent.'), T0 + 101);
  const t1 = tokens(1000, 50, 2000, 10);
  oc.message(
    'ses_A',
    'msg_a1',
    assistantData('msg_a0', T0 + 200, { completed: T0 + 290, finish: 'tool-calls', tokens: t1 }),
    T0 + 200,
    T0 + 290,
  );
  oc.part('ses_A', 'msg_a1', 'prt_a1_start', stepStart(), T0 + 210);
  oc.part(
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
    T0 + 220,
    T0 + 225,
  );
  oc.part(
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
    T0 + 226,
    T0 + 280,
  );
  oc.part('ses_A', 'msg_a1', 'prt_a1_finish', stepFinish('tool-calls', t1), T0 + 285);
  // Still streaming: no time.completed, no finish, a running tool, half a sentence.
  oc.message('ses_A', 'msg_a2', assistantData('msg_a0', T0 + 300), T0 + 300);
  oc.part('ses_A', 'msg_a2', 'prt_a2_start', stepStart(), T0 + 310);
  oc.part('ses_A', 'msg_a2', 'prt_a2_think', reasoningPart('The output was 6137.'), T0 + 311);
  oc.part(
    'ses_A',
    'msg_a2',
    'prt_a2_ls',
    toolPart('call_3', 'bash', { command: 'ls' }, { status: 'running' }, { start: T0 + 312 }),
    T0 + 312,
  );
  oc.part('ses_A', 'msg_a2', 'prt_a2_text', textPart('The comm'), T0 + 313);

  oc.session({ id: 'ses_B', parentId: 'ses_A', created: T0 + 227, title: 'count files (@general subagent)' });
  oc.message('ses_B', 'msg_b0', userData(T0 + 228, 'general'), T0 + 228);
  oc.part('ses_B', 'msg_b0', 'prt_b0_text', textPart('count files'), T0 + 229);
  const tb = tokens(500, 20, 800, 0, 5);
  oc.message(
    'ses_B',
    'msg_b1',
    assistantData('msg_b0', T0 + 230, { completed: T0 + 270, finish: 'stop', tokens: tb }),
    T0 + 230,
    T0 + 270,
  );
  oc.part('ses_B', 'msg_b1', 'prt_b1_think', reasoningPart('counting'), T0 + 231);
  oc.part('ses_B', 'msg_b1', 'prt_b1_text', textPart('3 files'), T0 + 232);
}

/** The streaming step completes in place, a new turn is added to A, and a new session C starts. */
function secondState(oc: OpenCodeDb): void {
  oc.updatePart(
    'prt_a2_ls',
    toolPart(
      'call_3',
      'bash',
      { command: 'ls' },
      { status: 'completed', output: 'a\nb\nc\n', exit: 0 },
      { start: T0 + 312, end: T0 + 400 },
    ),
    T0 + 400,
  );
  oc.updatePart('prt_a2_text', textPart('The command printed 6137 and there are 3 files.'), T0 + 450);
  oc.part('ses_A', 'msg_a2', 'prt_a2_finish', stepFinish('stop', tokens(1200, 60, 2100)), T0 + 460);
  oc.updateMessage(
    'msg_a2',
    assistantData('msg_a0', T0 + 300, {
      completed: T0 + 470,
      finish: 'stop',
      tokens: tokens(1200, 60, 2100),
    }),
    T0 + 470,
  );
  oc.touchSession('ses_A', T0 + 480, 'Run a command');
  oc.message('ses_A', 'msg_a3', userData(T0 + 2000), T0 + 2000);
  oc.part('ses_A', 'msg_a3', 'prt_a3_text', textPart('Thanks!'), T0 + 2001);
  oc.message(
    'ses_A',
    'msg_a4',
    assistantData('msg_a3', T0 + 2100, {
      completed: T0 + 2200,
      finish: 'stop',
      tokens: tokens(1300, 5, 2200, 0, 3),
    }),
    T0 + 2100,
    T0 + 2200,
  );
  oc.part('ses_A', 'msg_a4', 'prt_a4_text', textPart("You're welcome."), T0 + 2150);

  oc.session({ id: 'ses_C', created: T0 + 3000, directory: '/work/other' });
  oc.message('ses_C', 'msg_c0', userData(T0 + 3001), T0 + 3001);
  oc.part('ses_C', 'msg_c0', 'prt_c0_text', textPart('Hello'), T0 + 3002);
  oc.message(
    'ses_C',
    'msg_c1',
    assistantData('msg_c0', T0 + 3003, {
      completed: T0 + 3010,
      finish: 'stop',
      tokens: tokens(10, 2, 0, 40),
    }),
    T0 + 3003,
    T0 + 3010,
  );
  oc.part('ses_C', 'msg_c1', 'prt_c1_text', textPart('Hi.'), T0 + 3005);
}

describe('OpenCode database through sync', () => {
  it('stores every message once, links tools and the sub-agent, sums tokens, and holds back what streams', async () => {
    const l = layout();
    const oc = openDb(l.dbFile);
    firstState(oc);
    const now = { ms: T0 + 1000 };
    const sync = newSync(l, 'data', now);
    const first = await sync.run();
    expect(first.skipped).toEqual([]);
    expect(first.files).toBe(2);
    expect(first.changes).toEqual({ new: 2 });
    expect(first.warnings).toBe(0);

    expect(storedIdentities(sync)).toEqual(expectedIdentities(oc));
    expect(tokenTotals(sync.db)).toEqual(expectedTokens(oc));
    expect(expectToolsLinked(sync)).toBe(2);
    const sessions = sync.db.prepare('SELECT id, parent_session_id, cwd FROM sessions ORDER BY id').all();
    expect(sessions).toEqual([
      { id: 'ses_A', parent_session_id: null, cwd: '/work/demo' },
      { id: 'ses_B', parent_session_id: 'ses_A', cwd: '/work/demo' },
    ]);
    // The streaming step's messages are stored but not publishable; everything else is.
    const open = sync.db
      .prepare('SELECT identity FROM messages WHERE publishable = 0 ORDER BY identity')
      .pluck()
      .all();
    expect(open).toEqual(['opencode:prt_a2_ls', 'opencode:prt_a2_text', 'opencode:prt_a2_think']);

    // Nothing changed: nothing is rendered again.
    const again = await sync.run();
    expect(again.unchanged).toBe(2);
    expect(again.read).toBe(0);

    // Rows updated in place, rows and a session added.
    secondState(oc);
    now.ms = T0 + 5000;
    const second = await sync.run();
    expect(second.skipped).toEqual([]);
    expect(second.changes).toEqual({ rewritten: 1, new: 1 });
    expect(second.unchanged).toBe(1);
    expect(second.warnings).toBe(0);
    // A's rendering is read again from the start; its two unchanged message lines are recognised by their bytes.
    expect(second.lines - second.records).toBe(2);
    expect(storedIdentities(sync)).toEqual(expectedIdentities(oc));
    expect(tokenTotals(sync.db)).toEqual(expectedTokens(oc));
    expect(sync.db.prepare('SELECT count(*) FROM messages WHERE publishable = 0').pluck().get()).toBe(0);
    const text = sync.db
      .prepare("SELECT content FROM messages WHERE identity = 'opencode:prt_a2_text'")
      .pluck()
      .get();
    expect(text).toBe('The command printed 6137 and there are 3 files.');

    // A new message at the end of one session is an append.
    oc.message('ses_C', 'msg_c2', userData(T0 + 6000), T0 + 6000);
    oc.part('ses_C', 'msg_c2', 'prt_c2_text', textPart('Bye'), T0 + 6001);
    now.ms = T0 + 7000;
    const third = await sync.run();
    expect(third.changes).toEqual({ appended: 1 });
    expect(third.unchanged).toBe(2);

    // The end state is that of one clean sync of the final database.
    const clean = newSync(l, 'clean', now);
    const cleanPass = await clean.run();
    expect(cleanPass.changes).toEqual({ new: 3 });
    expect(finalState(sync)).toEqual(finalState(clean));
    const count = sync.db.prepare('SELECT count(*) FROM messages').pluck().get() as number;
    const distinct = sync.db.prepare('SELECT count(DISTINCT identity) FROM messages').pluck().get();
    expect(count).toBe(distinct);
    expect(finalState(sync).sessions).toContainEqual(
      expect.objectContaining({ id: 'ses_A', title: 'Run a command', assistant_version: '1.18.33' }),
    );
  });

  it('reads the rows a writer still holds in its WAL, and its in-place updates', async () => {
    const l = layout();
    const oc = openDb(l.dbFile, { autoCheckpoint: false });
    firstState(oc);
    expect(fs.statSync(`${l.dbFile}-wal`).size).toBeGreaterThan(0);
    const now = { ms: T0 + 1000 };
    const sync = newSync(l, 'data', now);
    const first = await sync.run();
    expect(first.skipped).toEqual([]);
    expect(storedIdentities(sync)).toEqual(expectedIdentities(oc));

    secondState(oc);
    now.ms = T0 + 5000;
    await sync.run();
    expect(storedIdentities(sync)).toEqual(expectedIdentities(oc));
    expect(tokenTotals(sync.db)).toEqual(expectedTokens(oc));
    // Still only in the WAL: the database file itself was never checkpointed by us or by the writer.
    expect(fs.statSync(`${l.dbFile}-wal`).size).toBeGreaterThan(0);
  });

  it('never writes to the database: its file is byte for byte the same after a sync', async () => {
    const l = layout();
    const oc = new OpenCodeDb(l.dbFile);
    firstState(oc);
    oc.checkpoint();
    oc.close();
    const snapshot = () =>
      Object.fromEntries(
        fs
          .readdirSync(l.dir)
          .sort()
          .map((n) => [
            n,
            createHash('sha256')
              .update(fs.readFileSync(path.join(l.dir, n)))
              .digest('hex'),
          ]),
      );
    const before = snapshot();
    const sync = newSync(l, 'data', { ms: T0 + 1000 });
    const pass = await sync.run();
    expect(pass.changes).toEqual({ new: 2 });
    const after = snapshot();
    expect(after['opencode.db']).toBe(before['opencode.db']);
    // SQLite's own companions of a WAL database, which any reader opens: an empty log and the shared-memory index.
    expect(Object.keys(after).sort()).toEqual(['opencode.db', 'opencode.db-shm', 'opencode.db-wal']);
    expect(fs.statSync(`${l.dbFile}-wal`).size).toBe(0);
  });

  it('a session deleted from the database is reported as gone, not read as empty', async () => {
    const l = layout();
    const oc = openDb(l.dbFile);
    firstState(oc);
    const now = { ms: T0 + 1000 };
    const sync = newSync(l, 'data', now);
    await sync.run();
    const before = storedIdentities(sync);
    oc.db.prepare("DELETE FROM part WHERE session_id = 'ses_B'").run();
    oc.db.prepare("DELETE FROM message WHERE session_id = 'ses_B'").run();
    oc.db.prepare("DELETE FROM session WHERE id = 'ses_B'").run();
    now.ms = T0 + 2000;
    const pass = await sync.run();
    expect(pass.files).toBe(1);
    expect(pass.skipped).toEqual([]);
    // What was stored stays stored (it happened, and may be published).
    expect(storedIdentities(sync)).toEqual(before);
    const missing = sync.db
      .prepare("SELECT missing FROM source_files WHERE path LIKE '%#ses_B'")
      .pluck()
      .get();
    expect(missing).toBe(1);
  });
});

describe('OpenCode discovery', () => {
  it('lists each session of every opencode*.db, sub-agents as agent sources, never the WAL files', () => {
    const l = layout();
    const main = openDb(l.dbFile);
    firstState(main);
    const preview = openDb(path.join(l.dir, 'opencode-preview.db'));
    preview.session({ id: 'ses_P', created: T0, directory: '/work/p' });
    openDb(path.join(l.dir, 'kilo.db')).session({ id: 'ses_K', created: T0 });
    const problems: { path: string; reason: string }[] = [];
    const files = discoverOpenCode(l.dir, problems);
    expect(problems).toEqual([]);
    expect(
      files.map((f) => [path.basename(f.path), f.context.role, f.context.parentSessionFromPath]),
    ).toEqual([
      ['opencode-preview.db#ses_P', 'main', null],
      ['opencode.db#ses_A', 'main', null],
      ['opencode.db#ses_B', 'agent', 'ses_A'],
    ]);
    expect(files[0]?.context).toMatchObject({
      assistant: 'opencode',
      format: 'sqlite',
      stem: 'ses_P',
      projectPath: '/work/p',
    });
  });

  it('an empty legacy JSON storage tree is no problem (opencode-legacy.test.ts reads it); a database it cannot read is', () => {
    const l = layout();
    fs.mkdirSync(path.join(l.dir, 'storage', 'session', 'global'), { recursive: true });
    const problems: { path: string; reason: string }[] = [];
    expect(discoverOpenCode(l.dir, problems)).toEqual([]);
    expect(problems).toEqual([]);
    fs.writeFileSync(l.dbFile, 'not a database at all, just text that is long enough to be a header');
    const again: { path: string; reason: string }[] = [];
    expect(discoverOpenCode(l.dir, again)).toEqual([]);
    expect(again).toEqual([
      { path: l.dbFile, reason: expect.stringMatching(/cannot list the OpenCode sessions/) },
    ]);
  });

  it('a missing directory is no problem', () => {
    const problems: { path: string; reason: string }[] = [];
    expect(discoverOpenCode('/nonexistent/opencode', problems)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
