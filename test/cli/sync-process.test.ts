/**
 * `aiobscura sync` as a real process: the lock between two syncs (and after `kill -9`), clean shutdown on
 * SIGINT/SIGTERM, and `--watch` picking up appends.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { exited, fakeHome, run, start, waitFor } from '../support/cli.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { needs } from '../support/shared.js';

const corpus = needs('corpus');

const CLAUDE_FILE = path.join(
  CORPUS_DIR,
  'claude-code-log/test/test_data/real_projects/-experiments-ideas/03eb5929-52b3-4b13-ada3-b93ae35806b8.jsonl',
);

function withSession() {
  const home = fakeHome();
  const dir = path.join(home.claudeProjects, '-work-ideas');
  fs.mkdirSync(dir);
  const file = path.join(dir, path.basename(CLAUDE_FILE));
  return { home, file };
}

/** Messages visible to a second connection; 0 while the daemon is still creating the database. */
function countMessages(db: string): number {
  let conn: Database.Database | undefined;
  try {
    conn = new Database(db, { readonly: true, fileMustExist: true });
    return conn.prepare('SELECT count(*) FROM messages').pluck().get() as number;
  } catch {
    return 0;
  } finally {
    conn?.close();
  }
}

describe('the sync process lock', () => {
  it('refuses a second sync, naming the PID that holds the lock; kill -9 of the holder frees it', async () => {
    const { home } = withSession();
    const holder = start(home, ['sync', '--watch', '--poll', '100']);
    await waitFor(() => fs.existsSync(`${home.db}.lock.pid`));
    const second = run(home, ['sync']);
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(`PID ${holder.pid}`);
    holder.kill('SIGKILL');
    await exited(holder);
    const third = run(home, ['sync', '--json']);
    expect(third.stderr).toBe('');
    expect(third.code).toBe(0);
  });
});

corpus.describe('signals', () => {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`${sig} stops sync --watch cleanly, with everything committed and the lock released`, async () => {
      const { home, file } = withSession();
      fs.copyFileSync(CLAUDE_FILE, file);
      const child = start(home, ['sync', '--watch', '--poll', '100', '--json']);
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
      });
      await waitFor(() => out.includes('"messages"'));
      child.kill(sig);
      const { code } = await exited(child);
      expect(code).toBe(0);
      expect(fs.existsSync(`${home.db}.lock.pid`)).toBe(false);
      expect(countMessages(home.db)).toBeGreaterThan(30);
      const again = run(home, ['sync', '--json']);
      expect(JSON.parse(again.stdout).messages).toBe(0);
    });
  }
});

corpus.describe('sync --watch', () => {
  it('stores lines appended while it runs, without waiting for the next full rescan', async () => {
    const { home, file } = withSession();
    const lines = fs.readFileSync(CLAUDE_FILE, 'utf8').split('\n');
    fs.writeFileSync(file, `${lines.slice(0, 10).join('\n')}\n`);
    const child = start(home, ['sync', '--watch', '--poll', '60000']);
    await waitFor(() => fs.existsSync(home.db) && countMessages(home.db) > 0);
    const before = countMessages(home.db);
    fs.appendFileSync(file, `${lines.slice(10).join('\n')}`);
    // The rescan interval is a minute: only the file-system event can bring these in time.
    await waitFor(() => countMessages(home.db) > before + 20, 10_000);
    child.kill('SIGTERM');
    expect((await exited(child)).code).toBe(0);
  });
});
