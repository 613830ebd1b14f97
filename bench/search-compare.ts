/**
 * The two comparisons of the search row (search.ts): where the triggers' cost comes from (the shape of the
 * INSERTs), and the trigram tokenizer against ours.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { median, percentile } from './stats.js';

/**
 * Where the trigger cost comes from: the bench database's messages copied into scratch databases with the
 * product's schema for `messages` and the index, one INSERT per message (as the writer does) or one
 * INSERT … SELECT per 500 messages from a staging table, against the same inserts with no index. CPU time.
 */
/** `workDir` holds the scratch database, `db` is the bench database read from, `runs` the repetitions of each measurement. */
export interface CompareOptions {
  workDir: string;
  db: string;
  runs: number;
}

export function insertShapes(o: CompareOptions) {
  const src = new Database(o.db, { readonly: true });
  const ddl = src.prepare("SELECT sql FROM sqlite_master WHERE name = 'messages'").pluck().get() as string;
  const index = (
    src.prepare("SELECT sql FROM sqlite_master WHERE name = 'messages_fts'").pluck().get() as string
  ).replace(/^CREATE VIRTUAL TABLE/, 'CREATE VIRTUAL TABLE');
  const triggers = src
    .prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'messages'")
    .pluck()
    .all() as string[];
  const rows = src.prepare('SELECT * FROM messages ORDER BY id').all() as Record<string, unknown>[];
  src.close();
  const cols = Object.keys(rows[0] ?? {});
  const values = `VALUES (${cols.map((c) => `@${c}`).join(', ')})`;
  const file = path.join(o.workDir, 'search-shapes.db');
  const out: Record<string, number[]> = { none: [], perMessage: [], perChunk: [] };
  for (let run = 0; run < o.runs; run++)
    for (const shape of ['none', 'perMessage', 'perChunk'] as const) {
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
      const db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = OFF');
      db.exec(ddl);
      if (shape !== 'none') for (const sql of [index, ...triggers]) db.exec(sql);
      db.exec(`CREATE TEMP TABLE staged AS SELECT * FROM messages WHERE 0`);
      const insert = db.prepare(`INSERT INTO messages (${cols.join(', ')}) ${values}`);
      const stage = db.prepare(`INSERT INTO temp.staged (${cols.join(', ')}) ${values}`);
      const move = db.prepare(`INSERT INTO messages SELECT * FROM temp.staged`);
      const cpu = process.cpuUsage();
      for (let i = 0; i < rows.length; i += 500) {
        db.transaction(() => {
          const chunk = rows.slice(i, i + 500);
          if (shape !== 'perChunk') for (const r of chunk) insert.run(r);
          else {
            for (const r of chunk) stage.run(r);
            move.run();
            db.exec('DELETE FROM temp.staged');
          }
        })();
      }
      const used = process.cpuUsage(cpu);
      out[shape]!.push((used.user + used.system) / 1000);
      db.close();
    }
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
  const us = (shape: string) => (1000 * median(out[shape]!)) / rows.length;
  return {
    messages: rows.length,
    cpuMs: out,
    usPerMessage: { none: us('none'), perMessage: us('perMessage'), perChunk: us('perChunk') },
  };
}

/** Both tokenizers built alike: contentless tables in a scratch database, filled from the same messages. */
export function tokenizers(o: CompareOptions, words: string[]) {
  const file = path.join(o.workDir, 'search-tokenizers.db');
  fs.rmSync(file, { force: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.prepare('ATTACH ? AS src').run(o.db);
  const out: Record<string, { bytes: number; buildMs: number; p50: number; p95: number }> = {};
  for (const [name, tokenize] of [
    ['unicode61', 'unicode61 remove_diacritics 2'],
    ['trigram', 'trigram'],
  ] as const) {
    const t = performance.now();
    db.exec(`CREATE VIRTUAL TABLE ${name} USING fts5(content, tool_name, tool_input, tool_result, content = '',
      tokenize = '${tokenize}');
      INSERT INTO ${name} (rowid, content, tool_name, tool_input, tool_result)
        SELECT id, content, tool_name, tool_input, tool_result FROM src.messages;
      INSERT INTO ${name} (${name}) VALUES ('optimize');`);
    const buildMs = performance.now() - t;
    const pages = db.prepare('SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE ?').pluck();
    const bytes = pages.get(`${name}_%`) as number;
    const q = db.prepare(`SELECT rowid FROM ${name} WHERE ${name} MATCH ? ORDER BY bm25(${name}) LIMIT 20`);
    const ms: number[] = [];
    for (const w of words)
      for (let i = 0; i < o.runs; i++) {
        const s = performance.now();
        q.all(w);
        ms.push(performance.now() - s);
      }
    out[name] = { bytes, buildMs, p50: percentile(ms, 50), p95: percentile(ms, 95) };
  }
  db.close();
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
  return out;
}
