/**
 * OpenCode < 1.2 sessions as byte sources. Before its database, OpenCode kept the same rows as small JSON
 * files under `<data dir>/storage/` (agents-formats.md §3):
 *
 *   storage/session/<projectID>/<sessionID>.json     the session row's data (id, parentID, directory, title, time…)
 *   storage/message/<sessionID>/<messageID>.json     one message's data (id, sessionID, role, time, tokens…)
 *   storage/part/<messageID>/<partID>.json           one part's data (id, messageID, sessionID, type…)
 *
 * Discovery names such a session `<data dir>/storage#<projectID>/<file stem>` (the session file without
 * `.json`: a `#` is never in a path discovery scans, and the session's own id is read from the file, so a
 * file named otherwise than its id is still found). {@link renderOpenCodeFiles} renders it as the very JSONL
 * the database path renders (reader/opencode-source.ts), so the OpenCode parser reads both the same way:
 * one line of the session's stable fields, then one line per message in (time.created, id) order holding
 * the message and its parts in (start time, id) order. A file's `id`/`sessionID`/`messageID` are the
 * database's columns and are left out of `data`, as OpenCode's own import into the database does.
 *
 * {@link openCodeFilesStats} stands in for `fs.stat`: the newest mtime of the session's files as `mtimeMs`,
 * their bytes plus their count as `size` (so an added or deleted file moves it even at the same mtime), and
 * an inode hashed from the session's path. The files are only read, never written.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { jsonText } from './json-text.js';

/** What a pass needs of a file's `stat` (the same as opencode-source.ts `SourceStats`, kept apart: no cycle). */
type SourceStats = Pick<fs.Stats, 'dev' | 'ino' | 'size' | 'mtimeMs' | 'isFile'>;

/** The storage directory, project and session file a virtual `<dir>/storage#<project>/<stem>` path names. */
export interface OpenCodeFilesSession {
  storage: string;
  project: string;
  stem: string;
  sessionFile: string;
}

/** What a virtual legacy-storage session path names, or null for any other path. */
export function openCodeFilesOf(p: string): OpenCodeFilesSession | null {
  const at = p.lastIndexOf('#');
  if (at <= 0) return null;
  const storage = p.slice(0, at);
  if (path.basename(storage) !== 'storage') return null;
  const m = /^([^/\\#]+)\/([^/\\#]+)$/.exec(p.slice(at + 1));
  if (m === null) return null;
  const [, project, stem] = m as unknown as [string, string, string];
  if (project === '.' || project === '..' || stem === '.' || stem === '..') return null;
  return { storage, project, stem, sessionFile: path.join(storage, 'session', project, `${stem}.json`) };
}

/** The virtual path of one legacy session file (the inverse of {@link openCodeFilesOf}). */
export function openCodeFilesPath(storage: string, project: string, stem: string): string {
  return `${storage}#${project}/${stem}`;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const idOf = (v: unknown, fallback: string): string => (typeof v === 'string' && v !== '' ? v : fallback);

function gone(p: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`ENOENT: no such OpenCode session, ${p}`);
  err.code = 'ENOENT';
  return err;
}

/** A file's JSON; a file that is not JSON stays its text (the parser reports it), a vanished one is null. */
function readJson(file: string): { value: unknown; text: string } | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return { value: JSON.parse(text), text };
  } catch {
    return { value: text, text };
  }
}

/** The `*.json` files of a directory in name order; none when it does not exist. */
function jsonFiles(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => path.join(dir, n));
}

function without(data: unknown, keys: readonly string[]): unknown {
  if (!isObj(data)) return data;
  const out: Obj = {};
  for (const [k, v] of Object.entries(data)) if (!keys.includes(k)) out[k] = v;
  return out;
}

interface Row {
  id: string;
  time_created: number | null;
  time_updated: number | null;
  data: unknown;
}

const byTimeThenId = (a: Row, b: Row) => {
  const ta = a.time_created ?? Number.NEGATIVE_INFINITY;
  const tb = b.time_created ?? Number.NEGATIVE_INFINITY;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
};

/** The session's id and the files of its messages and parts (each message's with it). */
interface Tree {
  session: Obj;
  sessionId: string;
  messages: { file: string; value: unknown; parts: { file: string; value: unknown }[] }[];
}

function readTree(where: OpenCodeFilesSession, p: string): Tree {
  const head = readJson(where.sessionFile);
  if (head === null) throw gone(p);
  const session = isObj(head.value) ? head.value : {};
  const sessionId = idOf(session.id, where.stem);
  const messages: Tree['messages'] = [];
  for (const file of jsonFiles(path.join(where.storage, 'message', sessionId))) {
    const m = readJson(file);
    if (m === null) continue;
    const messageId = idOf(isObj(m.value) ? m.value.id : undefined, path.basename(file, '.json'));
    const parts: { file: string; value: unknown }[] = [];
    for (const pf of jsonFiles(path.join(where.storage, 'part', messageId))) {
      const part = readJson(pf);
      if (part !== null) parts.push({ file: pf, value: part.value });
    }
    messages.push({ file, value: m.value, parts });
  }
  return { session, sessionId, messages };
}

/** The JSONL rendering of one legacy session (see the module comment). Throws ENOENT when it is gone. */
export function renderOpenCodeFiles(p: string): Uint8Array {
  const where = openCodeFilesOf(p);
  if (where === null) throw new Error(`not an OpenCode storage session path: ${p}`);
  const tree = readTree(where, p);
  const s = tree.session;
  const time = isObj(s.time) ? s.time : {};
  // The columns the database path renders, from the fields the database import takes them from.
  const head: Obj = { id: tree.sessionId };
  const fields: [string, unknown][] = [
    ['project_id', s.projectID ?? where.project],
    ['parent_id', s.parentID ?? null],
    ['slug', s.slug],
    ['directory', s.directory],
    ['title', s.title],
    ['version', s.version],
    ['time_created', num(time.created)],
  ];
  for (const [k, v] of fields) if (v !== undefined) head[k] = v;
  const lines = [jsonText({ record: 'session', session: head })];
  const messages = tree.messages.map((m) => {
    const data = m.value;
    const t = isObj(data) && isObj(data.time) ? data.time : {};
    const created = num(t.created);
    const row: Row = {
      id: idOf(isObj(data) ? data.id : undefined, path.basename(m.file, '.json')),
      time_created: created,
      time_updated: num(t.completed) ?? created,
      data: without(data, ['id', 'sessionID']),
    };
    const parts = m.parts.map((part): Row => {
      const d = isObj(part.value) ? part.value : {};
      const pt = isObj(d.time) ? d.time : isObj(d.state) && isObj(d.state.time) ? d.state.time : {};
      const start = num(pt.start) ?? created;
      return {
        id: idOf(d.id, path.basename(part.file, '.json')),
        time_created: start,
        time_updated: num(pt.end) ?? start,
        data: without(part.value, ['id', 'messageID', 'sessionID']),
      };
    });
    return { row, parts: parts.sort(byTimeThenId) };
  });
  messages.sort((a, b) => byTimeThenId(a.row, b.row));
  for (const { row, parts } of messages) lines.push(jsonText({ record: 'message', message: row, parts }));
  return Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
}

/** A 48-bit number from the session's path: each session is its own "file". */
function sessionIno(p: string): number {
  return createHash('sha1').update(`opencode-storage\u0000${p}`).digest().readUIntBE(0, 6);
}

/**
 * `stat` stand-ins for legacy sessions (see the module comment): one `stat` per file of the session. Throws
 * ENOENT once its session file is gone.
 */
export function openCodeFilesStats(): { stat(p: string): SourceStats } {
  return {
    stat(p) {
      const where = openCodeFilesOf(p);
      if (where === null) throw new Error(`not an OpenCode storage session path: ${p}`);
      let head: fs.Stats;
      try {
        head = fs.statSync(where.sessionFile);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw gone(p);
        throw err;
      }
      let size = head.size + 1;
      let mtimeMs = head.mtimeMs;
      const add = (file: string) => {
        try {
          const st = fs.statSync(file);
          size += st.size + 1;
          mtimeMs = Math.max(mtimeMs, st.mtimeMs);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      };
      const session = readJson(where.sessionFile);
      const sessionId = idOf(isObj(session?.value) ? session.value.id : undefined, where.stem);
      for (const file of jsonFiles(path.join(where.storage, 'message', sessionId))) {
        add(file);
        const m = readJson(file);
        if (m === null) continue;
        const messageId = idOf(isObj(m.value) ? m.value.id : undefined, path.basename(file, '.json'));
        for (const pf of jsonFiles(path.join(where.storage, 'part', messageId))) add(pf);
      }
      return { dev: head.dev, ino: sessionIno(p), size, mtimeMs, isFile: () => true };
    },
  };
}

/** Whether a legacy session is there: its session file exists. */
export function openCodeFilesExist(where: OpenCodeFilesSession): boolean {
  return fs.existsSync(where.sessionFile);
}
