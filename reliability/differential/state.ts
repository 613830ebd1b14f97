/**
 * The final state of a run, as plain data that two runs can be compared by: what the local database holds
 * (sessions, messages in seq order, token usage, records per file, warnings) and what the server stored
 * (every row's session, hash, type and data; the conversations; token totals per session).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ServerProcess } from '../server-process.js';
import type { InputFile } from './inputs.js';

export interface LocalState {
  sessions: Record<string, string>;
  /** Per session, its messages in seq order: identity, kind, role, content, tool fields, tokens. */
  messages: Record<string, string[]>;
  /** Per session, its responses' token usage, sorted. */
  usage: Record<string, string[]>;
  /** Per input file: lines stored once with the right bytes, and what is wrong. */
  records: Record<string, { lines: number; missing: number; twice: number; wrongBytes: number }>;
  /** Warnings other than the torn-line kind a growing file may legitimately produce. */
  warnings: string[];
  unpublishable: number;
  rejections: number;
}

export interface ServerState {
  /** Per session: `type hash data` of every stored row, sorted. */
  rows: Record<string, string[]>;
  conversations: Record<string, string>;
  tokens: Record<string, string>;
  /** (session, hash) pairs stored more than once. */
  storedTwice: string[];
}

/** Recursively key-sorted JSON, so equal values print the same whatever their key order. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function group(rows: { key: string; value: string }[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of rows) {
    out[r.key] ??= [];
    out[r.key]!.push(r.value);
  }
  return out;
}

export function localState(databasePath: string, root: string, files: readonly InputFile[]): LocalState {
  const db = new Database(databasePath, { readonly: true });
  try {
    const sessions: Record<string, string> = {};
    for (const s of db
      .prepare(
        `SELECT id, assistant, cwd, git_branch, assistant_version, parent_session_id, slug, title, model
         FROM sessions WHERE EXISTS (SELECT 1 FROM messages m WHERE m.session_id = sessions.id)`,
      )
      .all() as Record<string, string>[]) {
      sessions[s.id!] = canonical(s);
    }
    const messages = group(
      (
        db
          .prepare(
            `SELECT session_id, identity, message_type, author_role, content, tool_name, tool_use_id, tool_input,
               tool_result, is_error, tokens_input, tokens_output, tokens_cache_read, tokens_cache_creation
             FROM messages ORDER BY session_id, seq`,
          )
          .all() as Record<string, unknown>[]
      ).map(({ session_id, ...m }) => ({ key: String(session_id), value: canonical(m) })),
    );
    const usage = group(
      (
        db
          .prepare(
            `SELECT session_id, key, input, output, cache_read, cache_creation FROM responses ORDER BY session_id, key`,
          )
          .all() as Record<string, unknown>[]
      ).map(({ session_id, ...u }) => ({ key: String(session_id), value: canonical(u) })),
    );
    const records: LocalState['records'] = {};
    const fileId = db.prepare('SELECT id FROM source_files WHERE path = ?').pluck();
    const stored = db.prepare('SELECT line_no, raw FROM records WHERE source_file_id = ?');
    for (const f of files) {
      const lines = f.content.toString('utf8').split('\n');
      if (lines.at(-1) === '') lines.pop();
      const want = lines.map((l) => createHash('sha1').update(l).digest('hex'));
      const id = fileId.get(path.join(root, f.target)) as number | undefined;
      const seen = new Map<number, number>();
      let wrongBytes = 0;
      for (const r of (id === undefined ? [] : stored.all(id)) as { line_no: number; raw: Buffer }[]) {
        seen.set(r.line_no, (seen.get(r.line_no) ?? 0) + 1);
        if (createHash('sha1').update(r.raw).digest('hex') !== want[r.line_no - 1]) wrongBytes++;
      }
      let missing = 0;
      let twice = 0;
      want.forEach((_, i) => {
        const n = seen.get(i + 1) ?? 0;
        if (n === 0 && lines[i]!.trim() !== '') missing++;
        if (n > 1) twice += n - 1;
      });
      records[f.target] = { lines: want.length, missing, twice, wrongBytes };
    }
    const warnings = (
      db.prepare('SELECT path, line_no, reason FROM ingest_warnings').all() as {
        path: string;
        line_no: number | null;
        reason: string;
      }[]
    ).map((w) => `${path.relative(root, w.path)}:${w.line_no ?? '-'} ${w.reason}`);
    return {
      sessions,
      messages,
      usage,
      records,
      warnings,
      unpublishable: db
        .prepare('SELECT count(*) FROM messages WHERE publishable = 0')
        .pluck()
        .get() as number,
      rejections: db.prepare('SELECT count(*) FROM collector_rejections').pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

interface ServerRow {
  sessionId: string;
  type: string;
  hash: string;
  data: Record<string, unknown>;
}

export async function serverState(server: ServerProcess): Promise<ServerState> {
  const rows = await server.admin<ServerRow[]>('GET', 'rows');
  const conversations = await server.admin<Record<string, unknown>[]>('GET', 'conversations');
  const seen = new Set<string>();
  const storedTwice: string[] = [];
  const tokens: Record<string, Record<string, number>> = {};
  for (const r of rows) {
    const k = `${r.sessionId} ${r.hash}`;
    if (seen.has(k)) storedTwice.push(k);
    seen.add(k);
    const u = r.data.token_usage as Record<string, number> | undefined;
    if (u) {
      tokens[r.sessionId] ??= {};
      const t = tokens[r.sessionId]!;
      for (const [name, n] of Object.entries(u)) t[name] = (t[name] ?? 0) + n;
    }
  }
  const byConversation: Record<string, string> = {};
  for (const c of conversations) {
    const { sessionId, agentType, agentVersion, metadata, eventCount } = c as Record<string, unknown>;
    byConversation[String(sessionId)] = canonical({ agentType, agentVersion, metadata, eventCount });
  }
  const grouped = group(
    rows.map((r) => ({ key: r.sessionId, value: `${r.type} ${r.hash} ${canonical(r.data)}` })),
  );
  for (const list of Object.values(grouped)) list.sort();
  return {
    rows: grouped,
    conversations: byConversation,
    tokens: Object.fromEntries(Object.entries(tokens).map(([s, t]) => [s, canonical(t)])),
    storedTwice,
  };
}
