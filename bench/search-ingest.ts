/**
 * One cold ingest of a tree into a fresh database, in its own process, with or without the search index's
 * triggers: the product's `openDatabase` and `SyncPass`, then (for `without`) the triggers and the index
 * dropped before the pass, so the two runs differ only by the index upkeep.
 *
 * `node dist/bench/search-ingest.js with|without <claudeDir> <codexDir> <db>` prints `{ms, cpuMs, messages}`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../src/config/index.js';
import { openDatabase } from '../src/store/index.js';
import { SyncPass } from '../src/sync/index.js';

export interface IngestRun {
  ms: number;
  /** User + system CPU time of the pass: less disturbed than wall time by other work on a shared machine. */
  cpuMs: number;
  messages: number;
}

export async function ingestOnce(
  mode: 'with' | 'without',
  claudeDir: string,
  codexDir: string,
  db: string,
): Promise<IngestRun> {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${db}${suffix}`, { force: true });
  const config = resolveConfig(
    { configPath: path.join(path.dirname(db), 'absent.toml'), databasePath: db, claudeDir, codexDir },
    { HOME: path.dirname(db) },
  );
  const conn = openDatabase(db);
  if (mode === 'without') {
    conn.exec(`DROP TRIGGER messages_fts_insert; DROP TRIGGER messages_fts_delete;
      DROP TRIGGER messages_fts_update; DROP TABLE messages_fts;`);
  }
  const started = performance.now();
  const cpu = process.cpuUsage();
  const summary = await new SyncPass(conn, config).run(() => false);
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - started;
  conn.close();
  return { ms, cpuMs: (used.user + used.system) / 1000, messages: summary.messages };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mode, claudeDir, codexDir, db] = process.argv.slice(2);
  if ((mode !== 'with' && mode !== 'without') || !claudeDir || !codexDir || !db) {
    process.stderr.write('usage: search-ingest.js with|without <claudeDir> <codexDir> <db>\n');
    process.exit(2);
  }
  const r = await ingestOnce(mode, claudeDir, codexDir, db);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
