/**
 * The full-text index of `messages` (`messages_fts`, migration 3): its health, its rebuild and its size.
 *
 * Invariant: the index holds exactly the rows of `messages`, never more, never fewer. The triggers defined
 * with the table change it inside the statement that changes a message, so a rolled-back chunk leaves no
 * index rows behind and a committed one is searchable at once. What can break the invariant is a schema
 * change that drops the triggers (a later migration rebuilding `messages`): `ensureSearchIndex` runs after
 * every migration and rebuilds the index when a trigger or the table is missing. `--reindex` rebuilds it on
 * demand (a damaged file, a tokenizer change), in one transaction: readers see the old index until it commits.
 */
import type Database from 'better-sqlite3';
import { SEARCH_INDEX_V3 } from './migrations.js';

// The connection type, not db.ts's alias: db.ts imports this module.
type Db = Database.Database;

/** The definition in force: the latest migration's. A migration that changes the index updates this line. */
const SEARCH_INDEX = SEARCH_INDEX_V3;

export const SEARCH_TABLE = 'messages_fts';
/** FTS5's own tables behind `messages_fts`: together they are the size of the index (the text is not copied). */
const SHADOW_TABLES = ['data', 'idx', 'docsize', 'config'].map((s) => `${SEARCH_TABLE}_${s}`);

/** Messages indexed per statement while rebuilding, between two progress reports. */
const REBUILD_BATCH = 2000;

export type SearchIndexState = 'ok' | 'missing-table' | 'missing-triggers';

/** Whether the index table exists and all of its triggers are attached to `messages`. */
export function searchIndexState(db: Db): SearchIndexState {
  const objects = db
    .prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('table', 'trigger')")
    .all() as { type: string; name: string; tbl_name: string }[];
  if (!objects.some((o) => o.type === 'table' && o.name === SEARCH_TABLE)) return 'missing-table';
  const attached = (name: string) =>
    objects.some((o) => o.type === 'trigger' && o.name === name && o.tbl_name === 'messages');
  return SEARCH_INDEX.triggerNames.every(attached) ? 'ok' : 'missing-triggers';
}

/**
 * Rebuilds the index when its table or a trigger is missing (after a migration that replaced `messages`).
 * Returns what was wrong, or null when nothing was.
 */
export function ensureSearchIndex(db: Db): Exclude<SearchIndexState, 'ok'> | null {
  const state = searchIndexState(db);
  if (state === 'ok') return null;
  rebuildSearchIndex(db);
  return state;
}

export interface RebuildProgress {
  done: number;
  total: number;
}

/**
 * Drops the index and its triggers, creates them from the current definition and indexes every message, all
 * in one write transaction; `onProgress` is called after each batch.
 */
export function rebuildSearchIndex(db: Db, onProgress?: (p: RebuildProgress) => void): { messages: number } {
  return db
    .transaction(() => {
      for (const name of SEARCH_INDEX.triggerNames) db.exec(`DROP TRIGGER IF EXISTS ${name}`);
      db.exec(`DROP TABLE IF EXISTS ${SEARCH_TABLE}`);
      db.exec(SEARCH_INDEX.table);
      const total = db.prepare('SELECT count(*) FROM messages').pluck().get() as number;
      const batchEnd = db
        .prepare('SELECT max(id) FROM (SELECT id FROM messages WHERE id > ? ORDER BY id LIMIT ?)')
        .pluck();
      const insert = db.prepare(
        `INSERT INTO ${SEARCH_TABLE} (rowid, content, tool_name, tool_input, tool_result)
         SELECT id, content, tool_name, tool_input, tool_result FROM messages WHERE id > ? AND id <= ?`,
      );
      let done = 0;
      let after = Number.MIN_SAFE_INTEGER;
      onProgress?.({ done, total });
      for (;;) {
        const end = batchEnd.get(after, REBUILD_BATCH) as number | null;
        if (end === null) break;
        done += insert.run(after, end).changes;
        after = end;
        onProgress?.({ done, total });
      }
      // Bulk loading leaves many small segments; merging them makes the index smaller and queries faster.
      db.exec(`INSERT INTO ${SEARCH_TABLE} (${SEARCH_TABLE}) VALUES ('optimize')`);
      db.exec(SEARCH_INDEX.triggers);
      return { messages: done };
    })
    .immediate();
}

export type SearchIndexCheck = { ok: true } | { ok: false; problem: string };

/** Compares the index with `messages` row by row (FTS5's `integrity-check`): reads the whole index. */
export function checkSearchIndex(db: Db): SearchIndexCheck {
  const state = searchIndexState(db);
  if (state === 'missing-table') return { ok: false, problem: `the table ${SEARCH_TABLE} is missing` };
  if (state === 'missing-triggers')
    return { ok: false, problem: 'the triggers that keep it in step with the messages are missing' };
  try {
    db.prepare(`INSERT INTO ${SEARCH_TABLE} (${SEARCH_TABLE}, rank) VALUES ('integrity-check', 1)`).run();
    return { ok: true };
  } catch (err) {
    return { ok: false, problem: `it does not match the messages (${(err as Error).message})` };
  }
}

export interface SearchIndexSize {
  /** Pages of the index's own tables. */
  indexBytes: number;
  /** Pages of the whole database file (after a checkpoint, what the file holds). */
  databaseBytes: number;
}

export function searchIndexSize(db: Db): SearchIndexSize {
  const pages = db.prepare('SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ?').pluck();
  const indexBytes = SHADOW_TABLES.reduce((sum, t) => sum + (pages.get(t) as number), 0);
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pageCount = db.pragma('page_count', { simple: true }) as number;
  return { indexBytes, databaseBytes: pageSize * pageCount };
}
