/**
 * The search index stays in step with `messages`: inside the same transaction, through every kind of write,
 * across an upgrade from schema version 2 and across a later migration that rebuilds `messages`.
 * Real SQLite files filled by a real sync of corpus files; goldens are rare words read from the raw files.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkSearchIndex,
  type Db,
  latestSchemaVersion,
  openDatabase,
  searchIndexSize,
  searchIndexState,
  searchMessages,
} from '../../src/store/index.js';
import { fakeHome, run } from '../support/cli.js';
import { linkCorpus } from '../support/corpus.js';
import { rarePromptWords, type WordPick } from '../support/corpus-words.js';
import { downgradeTo } from '../support/schema.js';
import { TestSync, testConfig } from '../support/sync.js';

let picks: WordPick[];
let template: string;

/** A fresh copy of a database synced from the whole corpus (the sync runs once). */
function freshDb(): { file: string; db: Db } {
  const dir = fs.mkdtempSync(path.join(path.dirname(template), 'copy-'));
  const file = path.join(dir, 'data.db');
  fs.copyFileSync(template, file);
  return { file, db: openDatabase(file) };
}

const find = (db: Db, query: string) => searchMessages(db, { query, limit: 1000 });
const indexed = (db: Db) => db.prepare('SELECT count(*) FROM messages_fts_docsize').pluck().get() as number;
const messageCount = (db: Db) => db.prepare('SELECT count(*) FROM messages').pluck().get() as number;

beforeAll(async () => {
  const tree = linkCorpus();
  const sync = new TestSync(testConfig(tree));
  const summary = await sync.run();
  expect(summary.messages).toBeGreaterThan(3000);
  // A checkpointed single file, so copies need no -wal beside them.
  sync.db.pragma('wal_checkpoint(TRUNCATE)');
  template = sync.config.databasePath;
  sync.close();
  picks = rarePromptWords();
}, 60_000);

describe('the index and the messages change in one transaction', () => {
  it('a message inserted in a transaction is searchable inside it and gone with its rollback', () => {
    const { db } = freshDb();
    const word = 'qzxvbnmlkjh';
    const before = indexed(db);
    const ref = db.prepare('SELECT session_id, thread_id, record_id FROM messages LIMIT 1').get() as Record<
      string,
      unknown
    >;
    expect(() =>
      db.transaction(() => {
        db.prepare(
          `INSERT INTO messages (session_id, thread_id, seq, identity, record_id, emitted_at, observed_at,
             message_type, author_role, content)
           VALUES (@session_id, @thread_id, 999999, 'test:rollback', @record_id, '2026-01-01T00:00:00Z',
             '2026-01-01T00:00:00Z', 'prompt', 'human', @content)`,
        ).run({ ...ref, content: `a ${word} here` });
        expect(find(db, word).total).toBe(1);
        expect(indexed(db)).toBe(before + 1);
        throw new Error('abort');
      })(),
    ).toThrow('abort');
    expect(find(db, word).total).toBe(0);
    expect(indexed(db)).toBe(before);
    expect(checkSearchIndex(db)).toEqual({ ok: true });
    db.close();
  });

  it('a sync killed before its chunk commits leaves no index rows; the next sync indexes everything', () => {
    const home = fakeHome();
    const tree = linkCorpus();
    const dirs = ['--claude-dir', tree.claudeDir, '--codex-dir', tree.codexDir];
    const killed = run(home, [...dirs, 'sync'], { AIOBSCURA_CRASH_AT: 'after-message-insert-before-commit' });
    expect(killed.code).toBeNull(); // SIGKILL
    const after = new Database(home.db, { readonly: true });
    expect(after.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(0);
    expect(after.prepare('SELECT count(*) FROM messages_fts_docsize').pluck().get()).toBe(0);
    expect(after.prepare('SELECT count(*) FROM messages_fts_data').pluck().get()).toBeLessThanOrEqual(2);
    after.close();

    expect(run(home, [...dirs, 'sync']).code).toBe(0);
    const db = openDatabase(home.db);
    expect(indexed(db)).toBe(messageCount(db));
    expect(checkSearchIndex(db)).toEqual({ ok: true });
    const p = picks[0]!;
    expect(find(db, p.word).hits.every((h) => p.sessions.includes(h.session_id))).toBe(true);
    expect(find(db, p.word).total).toBeGreaterThan(0);
    db.close();
  });
});

describe('every write to messages keeps the index in step', () => {
  it('follows updates, moves, deletes and replaces; other updates leave the index untouched', () => {
    const { db } = freshDb();
    const p = picks[1]!;
    const hit = find(db, p.word).hits[0]!;
    const id = db
      .prepare('SELECT id FROM messages WHERE session_id = ? AND seq = ?')
      .pluck()
      .get(hit.session_id, hit.seq) as number;
    const data = () => db.prepare('SELECT count(*), sum(length(block)) FROM messages_fts_data').raw().get();

    const untouched = data();
    db.prepare('UPDATE messages SET publishable = 1 - publishable, tokens_output = 7').run();
    db.prepare('UPDATE messages SET content = content WHERE id = ?').run(id);
    expect(data()).toEqual(untouched);

    db.prepare("UPDATE messages SET content = 'now about qqreplacedword' WHERE id = ?").run(id);
    expect(find(db, 'qqreplacedword').total).toBe(1);
    expect(find(db, p.word).hits.some((h) => h.session_id === hit.session_id && h.seq === hit.seq)).toBe(
      false,
    );

    const other = db
      .prepare('SELECT id FROM sessions WHERE id != ? LIMIT 1')
      .pluck()
      .get(hit.session_id) as string;
    db.prepare('UPDATE messages SET session_id = ?, seq = 888888 WHERE id = ?').run(other, id);
    expect(find(db, 'qqreplacedword').hits.map((h) => [h.session_id, h.seq])).toEqual([[other, 888888]]);

    db.prepare('UPDATE messages SET id = 900000000 WHERE id = ?').run(id);
    expect(find(db, 'qqreplacedword').total).toBe(1);
    const row = db.prepare('SELECT * FROM messages WHERE id = 900000000').get() as Record<string, unknown>;
    db.prepare(
      `INSERT OR REPLACE INTO messages (${Object.keys(row).join(', ')})
       VALUES (${Object.keys(row)
         .map((k) => `@${k}`)
         .join(', ')})`,
    ).run({ ...row, content: 'qqsecondversion' });
    expect(find(db, 'qqreplacedword').total).toBe(0);
    expect(find(db, 'qqsecondversion').total).toBe(1);

    db.prepare('DELETE FROM messages WHERE id = 900000000').run();
    expect(find(db, 'qqsecondversion').total).toBe(0);
    expect(indexed(db)).toBe(messageCount(db));
    expect(checkSearchIndex(db)).toEqual({ ok: true });
    db.close();
  });

  it('the integrity check notices a change made while a trigger was away', () => {
    const { db } = freshDb();
    const trigger = db
      .prepare("SELECT sql FROM sqlite_master WHERE name = 'messages_fts_update'")
      .pluck()
      .get() as string;
    expect(checkSearchIndex(db)).toEqual({ ok: true });
    db.exec('DROP TRIGGER messages_fts_update');
    expect(searchIndexState(db)).toBe('missing-triggers');
    db.prepare(
      "UPDATE messages SET content = 'changed behind its back' WHERE id = (SELECT min(id) FROM messages WHERE content IS NOT NULL)",
    ).run();
    db.exec(trigger);
    expect(searchIndexState(db)).toBe('ok');
    const check = checkSearchIndex(db);
    expect(check.ok).toBe(false);
    db.close();
  });
});

describe('migrations', () => {
  it('builds the index when a version-2 database is upgraded, after copying it', () => {
    const home = fakeHome();
    const tree = linkCorpus();
    const dirs = ['--claude-dir', tree.claudeDir, '--codex-dir', tree.codexDir];
    expect(run(home, [...dirs, 'sync']).code).toBe(0);
    downgradeTo(home.db, 2);
    const v2 = new Database(home.db, { readonly: true });
    expect(
      v2.prepare("SELECT count(*) FROM sqlite_master WHERE name LIKE 'messages_fts%'").pluck().get(),
    ).toBe(0);
    const messages = v2.prepare('SELECT count(*) FROM messages').pluck().get() as number;
    v2.close();

    const p = picks[2]!;
    const r = run(home, [...dirs, 'search', p.word, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`from schema version 2 to ${latestSchemaVersion()}`);
    const copy = fs.readdirSync(path.dirname(home.db)).find((n) => n.startsWith('data.db.bak-v2-'));
    expect(copy).toBeDefined();
    const hits = JSON.parse(r.stdout).hits as { session_id: string }[];
    expect(hits.length).toBeGreaterThan(0);
    for (const h of hits) expect(p.sessions).toContain(h.session_id);

    const db = openDatabase(home.db);
    expect(indexed(db)).toBe(messages);
    expect(checkSearchIndex(db)).toEqual({ ok: true });
    db.close();
    const old = new Database(path.join(path.dirname(home.db), copy!), { readonly: true });
    expect(old.prepare('PRAGMA user_version').pluck().get()).toBe(2);
    old.close();
  });

  it('rebuilds the index when a later migration has rebuilt messages with new ids (triggers dropped)', () => {
    const { file, db } = freshDb();
    const p = picks[3]!;
    const expected = find(db, p.word).hits.map((h) => `${h.session_id}#${h.seq}`);
    expect(expected.length).toBeGreaterThan(0);
    // What a future migration rebuilding the table does: a new table, a copy (here with new ids), a rename.
    const ddl = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'messages'").pluck().get() as string;
    const cols = (db.prepare('PRAGMA table_info(messages)').all() as { name: string }[]).map((c) => c.name);
    db.transaction(() => {
      db.exec(ddl.replace(/^CREATE TABLE messages/, 'CREATE TABLE messages_new'));
      db.exec(
        `INSERT INTO messages_new (${cols.join(', ')})
         SELECT ${cols.map((c) => (c === 'id' ? 'id + 500000' : c)).join(', ')} FROM messages`,
      );
      db.exec('DROP TABLE messages; ALTER TABLE messages_new RENAME TO messages');
    })();
    expect(searchIndexState(db)).toBe('missing-triggers');
    db.close();

    const notices: string[] = [];
    const reopened = openDatabase(file, { notice: (m) => notices.push(m) });
    expect(notices).toEqual([`rebuilt the search index of ${file} (missing triggers)`]);
    expect(searchIndexState(reopened)).toBe('ok');
    expect(checkSearchIndex(reopened)).toEqual({ ok: true });
    expect(find(reopened, p.word).hits.map((h) => `${h.session_id}#${h.seq}`)).toEqual(expected);
    reopened.close();
    // Nothing is wrong any more: the next open leaves the index alone.
    const again: string[] = [];
    openDatabase(file, { notice: (m) => again.push(m) }).close();
    expect(again).toEqual([]);
  });
});

describe('size', () => {
  it('is what the database loses when the index is dropped', () => {
    const { file, db } = freshDb();
    const withIndex = path.join(path.dirname(file), 'with.db');
    db.prepare('VACUUM INTO ?').run(withIndex);
    db.close();
    const a = new Database(withIndex);
    const size = searchIndexSize(a);
    expect(size.databaseBytes).toBe(fs.statSync(withIndex).size);
    a.exec('DROP TABLE messages_fts');
    const without = path.join(path.dirname(file), 'without.db');
    a.prepare('VACUUM INTO ?').run(without);
    a.close();
    expect(size.indexBytes).toBeGreaterThan(0);
    expect(fs.statSync(withIndex).size - fs.statSync(without).size).toBe(size.indexBytes);
  });
});
