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
 * The JSON-file layout of OpenCode < 1.2 (`storage/session/<projectID>/<sessionID>.json`, its messages and
 * parts in `storage/message/<sessionID>/` and `storage/part/<messageID>/`) is read too: each session file is
 * a source `<dir>/storage#<projectID>/<file stem>` (format `opencode-files`) that reader/opencode-files.ts
 * renders as the same JSONL. A session whose id is also in a database of the same directory is left to the
 * database: OpenCode ≥ 1.2 imported the JSON tree once and has kept the session there since.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { DiscoveredFile, DiscoveryProblem } from './file-context.js';
import { kindOf, listDir, notAFile } from './walk.js';

/** A path component that cannot break the virtual `<dir>/storage#<project>/<stem>` path. */
const PLAIN = /^[^#/\\]+$/;

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
  for (const entry of [...entries].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!DATABASE.test(entry.name)) continue;
    const full = path.join(dir, entry.name);
    const kind = kindOf(dir, entry);
    if (kind !== 'file') {
      notAFile(full, kind, problems);
      continue;
    }
    for (const row of sessionsOf(full, problems)) {
      if (typeof row.id === 'string' && row.id !== '' && !/[#/\\]/.test(row.id))
        out.push(sessionFile(full, row));
      else
        problems.push({ path: full, reason: `OpenCode session id ${JSON.stringify(row.id)} cannot be read` });
    }
  }
  const storage = entries.find((e) => e.name === 'storage');
  if (storage && kindOf(dir, storage) === 'dir') {
    const inDatabase = new Set(out.map((f) => f.context.stem));
    out.push(...legacySessions(path.join(dir, 'storage'), inDatabase, problems));
  }
  return out;
}

interface LegacySession {
  file: DiscoveredFile;
  created: number;
}

/** The sessions of a `storage/` tree (OpenCode < 1.2) not in `skip`, in creation order. */
function legacySessions(storage: string, skip: Set<string>, problems: DiscoveryProblem[]): DiscoveredFile[] {
  const sessionDir = path.join(storage, 'session');
  if (!listDir(storage, problems).some((e) => e.name === 'session')) return [];
  const found: LegacySession[] = [];
  for (const project of listDir(sessionDir, problems).sort((a, b) => a.name.localeCompare(b.name))) {
    const projectDir = path.join(sessionDir, project.name);
    if (kindOf(sessionDir, project) !== 'dir' || !PLAIN.test(project.name)) continue;
    for (const entry of listDir(projectDir, problems)) {
      if (!entry.name.endsWith('.json')) continue;
      const full = path.join(projectDir, entry.name);
      const kind = kindOf(projectDir, entry);
      if (kind !== 'file') {
        notAFile(full, kind, problems);
        continue;
      }
      const stem = entry.name.slice(0, -'.json'.length);
      if (!PLAIN.test(stem) || stem === '' || stem === '.' || stem === '..') {
        problems.push({ path: full, reason: 'OpenCode session file name cannot be read' });
        continue;
      }
      const session = legacySession(storage, project.name, stem, full, problems);
      if (session !== null && !skip.has(session.file.context.stem)) found.push(session);
    }
  }
  found.sort((a, b) => a.created - b.created || a.file.path.localeCompare(b.file.path));
  return found.map((s) => s.file);
}

function legacySession(
  storage: string,
  project: string,
  stem: string,
  full: string,
  problems: DiscoveryProblem[],
): LegacySession | null {
  let data: Record<string, unknown>;
  try {
    const value: unknown = JSON.parse(fs.readFileSync(full, 'utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    data = value as Record<string, unknown>;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    problems.push({ path: full, reason: `cannot read this OpenCode session file (${reason})` });
    return null;
  }
  const id = typeof data.id === 'string' && data.id !== '' ? data.id : stem;
  if (!PLAIN.test(id)) {
    problems.push({ path: full, reason: `OpenCode session id ${JSON.stringify(id)} cannot be read` });
    return null;
  }
  const parent = typeof data.parentID === 'string' && data.parentID !== '' ? data.parentID : null;
  const time =
    typeof data.time === 'object' && data.time !== null ? (data.time as Record<string, unknown>) : {};
  const created = typeof time.created === 'number' && Number.isFinite(time.created) ? time.created : 0;
  // The virtual path `<dir>/storage#<project>/<stem>` (reader/opencode-files.ts `openCodeFilesOf`).
  const p = `${storage}#${project}/${stem}`;
  return {
    created,
    file: {
      path: p,
      compressed: false,
      context: {
        path: p,
        assistant: 'opencode',
        role: parent === null ? 'main' : 'agent',
        parentSessionFromPath: parent,
        stem: id,
        format: 'opencode-files',
        projectPath: typeof data.directory === 'string' && data.directory !== '' ? data.directory : null,
      },
    },
  };
}
