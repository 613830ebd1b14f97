/**
 * When a message becomes final (DESIGN.md §3.2), and what emitted_at a record without a timestamp gets.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TestSync, testConfig } from '../support/sync.js';

const open: TestSync[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

const SESSION = '5e550000-0000-4000-8000-000000000001';

function setup(clock: () => Date) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-pub-'));
  const claudeDir = path.join(root, 'claude');
  const dir = path.join(claudeDir, 'projects', '-w');
  fs.mkdirSync(dir, { recursive: true });
  const s = new TestSync(testConfig({ claudeDir, codexDir: path.join(root, 'codex') }), clock);
  open.push(s);
  return { s, file: path.join(dir, `${SESSION}.jsonl`) };
}

let n = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
const assistant = (
  msgId: string,
  block: object,
  ts: string | null = '2026-01-01T00:00:01.000Z',
  output = 5,
) =>
  JSON.stringify({
    type: 'assistant',
    uuid: uuid(),
    sessionId: SESSION,
    ...(ts ? { timestamp: ts } : {}),
    message: {
      id: msgId,
      role: 'assistant',
      model: 'claude-x',
      content: [block],
      usage: { input_tokens: 10, output_tokens: output },
    },
  });
const toolResult = (id: string) =>
  JSON.stringify({
    type: 'user',
    uuid: uuid(),
    sessionId: SESSION,
    timestamp: '2026-01-01T00:00:02.000Z',
    message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: 'ok' }] },
  });

function state(s: TestSync) {
  return s.db.prepare('SELECT message_type, publishable, tokens_output FROM messages ORDER BY seq').all();
}

describe('publishability of split assistant responses', () => {
  it('stays open while pieces of one message.id arrive; closes on the tool result, another id, or idle time', async () => {
    let now = new Date('2026-01-01T00:00:10.000Z');
    const { s, file } = setup(() => now);
    fs.writeFileSync(file, `${assistant('msg_1', { type: 'thinking', thinking: 'hmm' }, undefined, 1)}\n`);
    await s.run();
    fs.appendFileSync(
      file,
      `${assistant('msg_1', { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} }, undefined, 9)}\n`,
    );
    await s.run();
    // Both pieces are open, and the usage on the first reflects the latest piece.
    expect(state(s)).toEqual([
      { message_type: 'thinking', publishable: 0, tokens_output: 9 },
      { message_type: 'tool_call', publishable: 0, tokens_output: null },
    ]);
    fs.appendFileSync(
      file,
      `${toolResult('toolu_1')}\n${assistant('msg_2', { type: 'text', text: 'done' })}\n`,
    );
    await s.run();
    expect(state(s).map((m) => (m as { publishable: number }).publishable)).toEqual([1, 1, 1, 0]);
    // 30 s after the file's last write the open response is final too.
    now = new Date(fs.statSync(file).mtimeMs + 31_000);
    const summary = await s.run();
    expect(summary.groupsClosedIdle).toBe(1);
    expect(state(s).map((m) => (m as { publishable: number }).publishable)).toEqual([1, 1, 1, 1]);
  });
});

describe('emitted_at of records without a timestamp', () => {
  it('takes the previous timestamp in the file, else the file mtime at first ingest, and never changes', async () => {
    const { s, file } = setup(() => new Date());
    fs.writeFileSync(file, `${assistant('msg_a', { type: 'text', text: 'first' }, null)}\n`);
    const firstSeen = new Date(fs.statSync(file).mtimeMs).toISOString();
    await s.run();
    fs.appendFileSync(
      file,
      `${assistant('msg_b', { type: 'text', text: 'second' }, '2026-03-03T03:03:03.000Z')}\n${assistant('msg_c', { type: 'text', text: 'third' }, null)}\n`,
    );
    await s.run();
    const times = () => s.db.prepare('SELECT content, emitted_at FROM messages ORDER BY seq').all();
    expect(times()).toEqual([
      { content: 'first', emitted_at: firstSeen },
      { content: 'second', emitted_at: '2026-03-03T03:03:03.000Z' },
      { content: 'third', emitted_at: '2026-03-03T03:03:03.000Z' },
    ]);
    // A later touch of the file (new mtime) re-reads nothing and changes nothing.
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    await s.run();
    expect(times()[0]).toEqual({ content: 'first', emitted_at: firstSeen });
  });
});
