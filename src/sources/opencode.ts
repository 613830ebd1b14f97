/**
 * OpenCode discovery (agents-formats.md §3): OpenCode ≥ 1.2 keeps every session in one SQLite database,
 * `$XDG_DATA_HOME/opencode/opencode.db` (`opencode-<channel>.db` for other release channels, so every
 * `opencode*.db` is scanned; never the `-wal`/`-shm` companions). Each session is listed as its own source,
 * `<db path>#<session id>`, which reader/opencode-source.ts renders as JSONL.
 *
 * The database is opened read-only with a busy timeout, only to list sessions, and closed at once. A
 * sub-agent session (`parent_id` set) is an `agent` source whose parent is that session. Sessions are listed
 * in creation order, so a parent is read before its sub-agents.
 *
 * The JSON-file layout of OpenCode < 1.2 (`storage/session/…`) is not read yet: when it is there and no
 * database is, that is reported instead of finding nothing silently.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DiscoveredFile, DiscoveryProblem } from './file-context.js';
import { kindOf, listDir, notAFile } from './walk.js';

/** `opencode.db`, `opencode-preview.db`…; a `#` would make the virtual session path ambiguous. */
const DATABASE = /^opencode[^#]*\.db$/;

interface SessionRow {
  id: string;
  parent_id: string | null;
  directory: string | null;
}

function sessionsOf(db: string, problems: DiscoveryProblem[]): SessionRow[] {
  let conn: Database.Database | undefined;
  try {
    conn = new Database(db, { readonly: true, fileMustExist: true, timeout: 5000 });
    return conn
      .prepare('SELECT id, parent_id, directory FROM session ORDER BY time_created, id')
      .all() as SessionRow[];
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    problems.push({ path: db, reason: `cannot list the OpenCode sessions of this database (${reason})` });
    return [];
  } finally {
    conn?.close();
  }
}

function sessionFile(db: string, row: SessionRow): DiscoveredFile {
  const p = `${db}#${row.id}`;
  const parent = typeof row.parent_id === 'string' && row.parent_id !== '' ? row.parent_id : null;
  return {
    path: p,
    compressed: false,
    context: {
      path: p,
      assistant: 'opencode',
      role: parent === null ? 'main' : 'agent',
      parentSessionFromPath: parent,
      stem: row.id,
      format: 'sqlite',
      projectPath: typeof row.directory === 'string' && row.directory !== '' ? row.directory : null,
    },
  };
}

export function discoverOpenCode(dir: string, problems: DiscoveryProblem[]): DiscoveredFile[] {
  const out: DiscoveredFile[] = [];
  const entries = listDir(dir, problems);
  let databases = 0;
  for (const entry of [...entries].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!DATABASE.test(entry.name)) continue;
    const full = path.join(dir, entry.name);
    const kind = kindOf(dir, entry);
    if (kind !== 'file') {
      notAFile(full, kind, problems);
      continue;
    }
    databases++;
    for (const row of sessionsOf(full, problems)) {
      if (typeof row.id === 'string' && row.id !== '' && !/[#/\\]/.test(row.id))
        out.push(sessionFile(full, row));
      else
        problems.push({ path: full, reason: `OpenCode session id ${JSON.stringify(row.id)} cannot be read` });
    }
  }
  const storage = entries.find((e) => e.name === 'storage');
  if (databases === 0 && storage && kindOf(dir, storage) === 'dir') {
    const legacy = path.join(dir, 'storage', 'session');
    const sessions = listDir(path.join(dir, 'storage'), problems).some((e) => e.name === 'session');
    if (sessions)
      problems.push({
        path: legacy,
        reason: 'OpenCode < 1.2 JSON storage layout found and no opencode*.db: this layout is not read yet',
      });
  }
  return out;
}
