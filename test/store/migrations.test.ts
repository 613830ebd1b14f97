/** Schema versions as a user meets them: an older database is copied before it is upgraded, a newer one refused. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { latestSchemaVersion } from '../../src/store/index.js';
import { fakeHome, type Home, run } from '../support/cli.js';
import { SPLIT_CLAUDE } from '../support/publish.js';
import { downgradeTo } from '../support/schema.js';
import { needs } from '../support/shared.js';

const corpus = needs('corpus');

/** A home whose database holds one real session, written by the current code. */
function syncedHome(): Home {
  const home = fakeHome();
  fs.mkdirSync(path.join(home.claudeProjects, '-w'));
  fs.copyFileSync(SPLIT_CLAUDE, path.join(home.claudeProjects, '-w', path.basename(SPLIT_CLAUDE)));
  expect(run(home, ['sync']).code).toBe(0);
  return home;
}

function query<T>(file: string, sql: string): T {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).pluck().get() as T;
  } finally {
    db.close();
  }
}

const copiesOf = (file: string) =>
  fs
    .readdirSync(path.dirname(file))
    .filter((n) => n.startsWith(`${path.basename(file)}.bak-v`))
    .sort();

corpus.describe('schema migrations', () => {
  it('copies an existing database before upgrading it, says where, and keeps the last three copies', () => {
    const home = syncedHome();
    const messages = query<number>(home.db, 'SELECT count(*) FROM messages');
    expect(messages).toBeGreaterThan(0);
    downgradeTo(home.db, 1);

    const r = run(home, ['stats']);
    expect(r.code).toBe(0);
    const [copy] = copiesOf(home.db);
    expect(copy).toMatch(/^data\.db\.bak-v1-\d{8}T\d{9}Z$/);
    const copyPath = path.join(path.dirname(home.db), copy!);
    expect(r.stderr).toContain(`from schema version 1 to ${latestSchemaVersion()}`);
    expect(r.stderr).toContain(copyPath);
    // The copy is the old database as it was; the database itself is upgraded.
    expect(query<number>(copyPath, 'PRAGMA user_version')).toBe(1);
    expect(query<number>(copyPath, 'SELECT count(*) FROM messages')).toBe(messages);
    expect(query<number>(copyPath, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'collector_%'")).toBe(
      0,
    );
    expect(query<number>(home.db, 'PRAGMA user_version')).toBe(latestSchemaVersion());
    expect(query<number>(home.db, 'SELECT count(*) FROM messages')).toBe(messages);

    // Nothing to migrate: no copy, no message.
    const again = run(home, ['stats']);
    expect(again.stderr).toBe('');
    expect(copiesOf(home.db)).toHaveLength(1);

    for (let i = 0; i < 4; i++) {
      downgradeTo(home.db, 1);
      expect(run(home, ['sync']).code).toBe(0);
    }
    const kept = copiesOf(home.db);
    expect(kept).toHaveLength(3);
    expect(kept).not.toContain(copy);
  });

  it('does not copy a database it creates', () => {
    const home = syncedHome();
    expect(copiesOf(home.db)).toEqual([]);
  });

  it('refuses a database written by a newer aiobscura without changing a byte', () => {
    const home = syncedHome();
    const db = new Database(home.db);
    db.pragma(`user_version = ${latestSchemaVersion() + 7}`);
    db.close(); // the last connection checkpoints the WAL into the file and removes it
    const digest = () => crypto.createHash('sha256').update(fs.readFileSync(home.db)).digest('hex');
    const before = digest();
    for (const command of [['sync'], ['stats'], ['sessions'], ['collector', 'status']]) {
      const r = run(home, command);
      expect(r.code, command.join(' ')).toBe(1);
      expect(r.stderr).toContain(`schema version ${latestSchemaVersion() + 7}, written by a newer aiobscura`);
      expect(r.stderr).toContain(`supports versions up to ${latestSchemaVersion()}`);
      expect(r.stderr).toContain('Nothing was changed');
      expect(r.stderr).not.toContain('    at ');
    }
    expect(digest()).toBe(before);
    expect(copiesOf(home.db)).toEqual([]);
  });
});

corpus.describe('stats', () => {
  it('shows the size of the database and its write-ahead log', () => {
    const home = syncedHome();
    const size = (p: string) => (fs.existsSync(p) ? fs.statSync(p).size : 0);
    const json = run(home, ['stats', '--json']);
    expect(json.code).toBe(0);
    const { database } = JSON.parse(json.stdout);
    expect(database.path).toBe(home.db);
    expect(database.bytes).toBe(size(home.db));
    expect(database.bytes).toBeGreaterThan(0);
    expect(database.walBytes).toBe(size(`${home.db}-wal`));
    expect(database.totalBytes).toBe(database.bytes + database.walBytes);
    const text = run(home, ['stats']);
    expect(text.stdout).toMatch(new RegExp(`database ${home.db}: \\d+\\.\\d (KiB|MiB) \\(`));
  });
});
