/**
 * File identity across moves and copies: archived and compressed Codex rollouts keep their identity,
 * resumed Claude sessions and forked Codex threads do not store history twice, unreadable files are
 * counted as skipped.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rawZstdFrame } from '../reader/helpers.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { needs } from '../support/shared.js';
import { storedMessages, TestSync, testConfig } from '../support/sync.js';

const corpus = needs('corpus');

const CODEX_REAL = path.join(
  CORPUS_DIR,
  'codex_log_viewer/codex_sessions/20260213134203_redacted_current_codex_session_jsonl_export.jsonl',
);

const open: TestSync[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function setup() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-id-'));
  const claudeDir = path.join(root, 'claude');
  const codexDir = path.join(root, 'codex');
  fs.mkdirSync(path.join(codexDir, 'sessions', '2026', '02', '13'), { recursive: true });
  fs.mkdirSync(path.join(codexDir, 'archived_sessions'), { recursive: true });
  fs.mkdirSync(path.join(claudeDir, 'projects', '-work'), { recursive: true });
  const s = new TestSync(testConfig({ claudeDir, codexDir }));
  open.push(s);
  return { s, claudeDir, codexDir };
}

corpus.describe('Codex rollouts that move', () => {
  it('an archived rollout keeps its checkpoint: nothing is read again, later appends continue', async () => {
    const { s, codexDir } = setup();
    const live = path.join(codexDir, 'sessions', '2026', '02', '13', 'rollout-2026-02-13T13-42-03-a.jsonl');
    const lines = fs.readFileSync(CODEX_REAL, 'utf8').split('\n');
    fs.writeFileSync(live, `${lines.slice(0, 200).join('\n')}\n`);
    await s.run();
    const before = storedMessages(s.db);
    const archived = path.join(codexDir, 'archived_sessions', path.basename(live));
    fs.renameSync(live, archived);
    const moved = await s.run();
    expect(moved.changes).toEqual({ moved: 1 });
    expect(moved.messages).toBe(0);
    fs.appendFileSync(archived, `${lines.slice(200).join('\n')}`);
    await s.run();
    const all = storedMessages(s.db);
    expect(all.slice(0, before.length)).toEqual(before);
    expect(new Set(all.map((m) => m.identity)).size).toBe(all.length);
    const fresh = setup();
    fs.copyFileSync(CODEX_REAL, path.join(fresh.codexDir, 'archived_sessions', path.basename(live)));
    await fresh.s.run();
    expect(storedMessages(fresh.s.db)).toEqual(all);
  });

  it('a .jsonl.zst cold copy that replaces the rollout is recognised by content, not read as new', async () => {
    const { s, codexDir } = setup();
    const live = path.join(codexDir, 'sessions', '2026', '02', '13', 'rollout-2026-02-13T13-42-03-b.jsonl');
    fs.copyFileSync(CODEX_REAL, live);
    await s.run();
    const before = storedMessages(s.db);
    fs.writeFileSync(`${live}.zst`, rawZstdFrame(fs.readFileSync(CODEX_REAL)));
    fs.rmSync(live);
    const summary = await s.run();
    expect(summary.changes).toEqual({ moved: 1 });
    expect(summary.messages).toBe(0);
    expect(storedMessages(s.db)).toEqual(before);
  });

  it('a .jsonl.zst seen first is read through the decoder; an undecodable one is counted as skipped', async () => {
    const { s, codexDir } = setup();
    const dir = path.join(codexDir, 'sessions', '2026', '02', '13');
    fs.writeFileSync(
      path.join(dir, 'rollout-2026-02-13T13-42-03-c.jsonl.zst'),
      rawZstdFrame(fs.readFileSync(CODEX_REAL)),
    );
    fs.writeFileSync(
      path.join(dir, 'rollout-2026-02-13T13-42-03-d.jsonl.zst'),
      Buffer.from('not zstd at all'),
    );
    const summary = await s.run();
    expect(summary.messages).toBeGreaterThan(100);
    expect(summary.skipped).toHaveLength(1);
    expect(summary.skipped[0]!.path).toMatch(/-d\.jsonl\.zst$/);
    expect(summary.skipped[0]!.reason).toMatch(/zst|zstd|decode/i);
  });

  it('history replayed at the top of a forked rollout is not stored again', async () => {
    const { s, codexDir } = setup();
    const dir = path.join(codexDir, 'sessions', '2026', '02', '13');
    const parentId = '019c0000-0000-7000-8000-00000000000a';
    const forkId = '019c0000-0000-7000-8000-00000000000b';
    const env = (ts: string, type: string, payload: object) =>
      JSON.stringify({ timestamp: ts, type, payload });
    const meta = (id: string, extra: object = {}) =>
      env('2026-02-13T10:00:00.000Z', 'session_meta', {
        id,
        timestamp: '2026-02-13T10:00:00.000Z',
        cwd: '/w',
        cli_version: '0.100.0',
        ...extra,
      });
    const history = [
      env('2026-02-13T10:00:01.000Z', 'event_msg', { type: 'user_message', message: 'list the files' }),
      env('2026-02-13T10:00:02.000Z', 'response_item', {
        type: 'function_call',
        name: 'shell',
        arguments: '{"command":["ls"]}',
        call_id: 'call_1',
      }),
      env('2026-02-13T10:00:03.000Z', 'response_item', {
        type: 'function_call_output',
        call_id: 'call_1',
        output: 'a\nb',
      }),
      env('2026-02-13T10:00:04.000Z', 'response_item', {
        type: 'message',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'a and b' }],
      }),
    ];
    fs.writeFileSync(
      path.join(dir, 'rollout-2026-02-13T10-00-00-parent.jsonl'),
      `${[meta(parentId), ...history].join('\n')}\n`,
    );
    const forkNew = env('2026-02-13T11:00:01.000Z', 'event_msg', {
      type: 'user_message',
      message: 'now count them',
    });
    fs.writeFileSync(
      path.join(dir, 'rollout-2026-02-13T11-00-00-fork.jsonl'),
      `${[meta(forkId, { forked_from_id: parentId }), meta(parentId), ...history, forkNew].join('\n')}\n`,
    );
    await s.run();
    const bySession = (id: string) => storedMessages(s.db).filter((m) => m.session_id === id);
    expect(bySession(parentId).map((m) => m.message_type)).toEqual([
      'prompt',
      'tool_call',
      'tool_result',
      'response',
    ]);
    expect(bySession(forkId).map((m) => m.content)).toEqual(['now count them']);
  });
});

describe('Claude sessions copied by resume', () => {
  it('records copied into a new session file (same uuid and timestamp) are stored once, first seen wins', async () => {
    const { s, claudeDir } = setup();
    const dir = path.join(claudeDir, 'projects', '-work');
    const rec = (uuid: string, sessionId: string, ts: string, text: string) =>
      JSON.stringify({
        type: 'user',
        uuid,
        sessionId,
        timestamp: ts,
        cwd: '/work',
        message: { role: 'user', content: text },
      });
    const a = '11111111-1111-4111-8111-111111111111';
    const b = '22222222-2222-4222-8222-222222222222';
    const first = rec(
      'aaaaaaaa-0000-4000-8000-000000000001',
      a,
      '2025-05-01T10:00:00.000Z',
      'first question',
    );
    fs.writeFileSync(path.join(dir, `${a}.jsonl`), `${first}\n`);
    await s.run();
    const copy = rec('aaaaaaaa-0000-4000-8000-000000000001', b, '2025-05-01T10:00:00.000Z', 'first question');
    const next = rec(
      'aaaaaaaa-0000-4000-8000-000000000002',
      b,
      '2025-05-02T10:00:00.000Z',
      'resumed question',
    );
    fs.writeFileSync(path.join(dir, `${b}.jsonl`), `${copy}\n${next}\n`);
    const summary = await s.run();
    expect(summary.duplicates).toBe(1);
    const msgs = storedMessages(s.db);
    expect(msgs.map((m) => [m.session_id, m.content])).toEqual([
      [a, 'first question'],
      [b, 'resumed question'],
    ]);
    expect(msgs.find((m) => m.session_id === b)!.seq).toBe(1);
  });
});
