/**
 * Issue 9, defect 1: a chunk whose transaction fails (SQLITE_IOERR at commit, as a failing disk gives) must
 * leave memory and database exactly as before it, in a writer that keeps running. Before the fix the
 * writer's caches (the file's last line, the session's next seq and open group, thread ids) kept the
 * rolled-back values, and the file's identity was committed before the chunk: the line read again was taken
 * for a "repeated line" and lost, and seqs had gaps.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ioError, openDatabase } from '../../src/store/index.js';
import { SyncPass } from '../../src/sync/index.js';
import { storedMessages, testConfig, tokenTotals } from '../support/sync.js';

const SESSION = 'b0110000-0000-4000-8000-000000000001';
const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

let n = 0;
const line = (type: 'user' | 'assistant', extra: object) =>
  `${JSON.stringify({
    type,
    uuid: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    sessionId: SESSION,
    timestamp: `2026-01-01T00:00:${String(n).padStart(2, '0')}.000Z`,
    ...extra,
  })}\n`;
const prompt = (text: string) => line('user', { message: { role: 'user', content: text } });
const answer = (id: string, text: string, output: number) =>
  line('assistant', {
    message: {
      id,
      role: 'assistant',
      model: 'claude-x',
      content: [{ type: 'text', text }],
      usage: { input_tokens: 3, output_tokens: output },
    },
  });

function harness(clock: () => Date) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-rollback-'));
  const claudeDir = path.join(root, 'claude');
  const file = path.join(claudeDir, 'projects', '-w', `${SESSION}.jsonl`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const config = testConfig({ claudeDir, codexDir: path.join(root, 'codex') });
  const db = openDatabase(config.databasePath);
  let failNext = 0;
  const pass = new SyncPass(db, config, clock, {
    beforeCommit: () => {
      if (failNext > 0) {
        failNext--;
        throw ioError('test');
      }
    },
  });
  closers.push(() => db.close());
  return {
    db,
    file,
    run: () => pass.run(() => false),
    failNextCommits: (k: number) => {
      failNext = k;
    },
  };
}

const state = (db: ReturnType<typeof openDatabase>) => ({
  messages: storedMessages(db).map(({ seq, identity, message_type, content }) => ({
    seq,
    identity,
    message_type,
    content,
  })),
  tokens: tokenTotals(db),
  notes: db.prepare("SELECT count(*) FROM records WHERE note LIKE '%repeated line%'").pluck().get(),
  nextSeq: db.prepare('SELECT next_seq FROM sessions WHERE id = ?').pluck().get(SESSION),
});

describe('a failed ingest transaction in a long-running writer', () => {
  it('loses no line, repeats no seq and stores nothing twice once the next pass succeeds', async () => {
    let now = new Date('2026-06-01T00:00:00.000Z');
    const live = harness(() => now);
    const lines = [
      prompt('first question'),
      answer('msg_a', 'first answer', 7),
      prompt('second question'),
      answer('msg_b', 'second answer', 11),
      prompt('third question'),
    ];
    fs.writeFileSync(live.file, lines.slice(0, 2).join(''));
    await live.run();
    // One line arrives and its chunk fails at commit; then another line arrives and that chunk fails too.
    for (const l of lines.slice(2, 4)) {
      fs.appendFileSync(live.file, l);
      live.failNextCommits(1);
      const failed = await live.run();
      expect(failed.skipped.map((s) => s.reason)).toEqual([expect.stringContaining('disk I/O error')]);
    }
    fs.appendFileSync(live.file, lines[4]!);
    await live.run();
    // Even once the file has gone idle nothing more may appear: everything was read by the pass above.
    now = new Date(fs.statSync(live.file).mtimeMs + 60_000);
    await live.run();

    const clean = harness(() => now);
    fs.writeFileSync(clean.file, lines.join(''));
    await clean.run();
    await clean.run();
    expect(state(live.db)).toEqual(state(clean.db));
    expect(state(live.db).messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(state(live.db).notes).toBe(0);
  });

  it('a failed commit before any line of a new file was stored leaves no half-known file behind', async () => {
    const live = harness(() => new Date('2026-06-01T00:00:00.000Z'));
    fs.writeFileSync(live.file, prompt('only question'));
    live.failNextCommits(1);
    await live.run();
    await live.run();
    expect(storedMessages(live.db).map((m) => m.content)).toEqual(['only question']);
  });
});
