/**
 * The real corpus files the generators copy (read in place from `../shared/corpus`, never copied into the repo).
 *
 * A file is used only if its ids can be refreshed (see ids.ts): every Claude `uuid` and `sessionId` and every
 * Codex `session_meta` id must be UUID-shaped. That keeps the real and curated sessions and drops the
 * hand-written fixtures whose ids (`"u0000001"`, `"test-session-1"`) would collide between copies.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CORPUS_DIR, corpusAssistant, walkFiles } from '../test/support/corpus.js';
import { UUID_ONLY, uuidFrom } from './ids.js';

export interface SourceFile {
  file: string;
  /** Path relative to the corpus root. */
  rel: string;
  assistant: 'claude' | 'codex';
  bytes: number;
  /** Claude: `main` for a session file, `agent` for `agent-*.jsonl` (old layout or `subagents/`). */
  role: 'main' | 'agent';
  /** Claude: the folder that stands for the project (the source's own folder, sanitised). */
  project: string;
  /**
   * Claude: the path below the project folder (`<stem>.jsonl`, `agent-x.jsonl`, `<session>/subagents/…`).
   * Codex: the rollout file name's timestamp part.
   */
  inner: string;
  /** A UUID naming the file's session: the file stem, else its first session id, else one derived from its path. */
  sessionUuid: string;
}

const ROLLOUT_TS = /^rollout-(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d)-/;

function obj(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** The ids a copy must refresh are all UUID-shaped; returns the first session id seen, or null. */
function checkIds(text: string, assistant: 'claude' | 'codex'): { ok: boolean; firstSession: string | null } {
  let firstSession: string | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let rec: Record<string, unknown> | null;
    try {
      rec = obj(JSON.parse(line));
    } catch {
      continue; // a corrupt real line is copied as it is
    }
    if (rec === null) continue;
    const ids =
      assistant === 'claude'
        ? [rec.uuid, rec.sessionId]
        : rec.type === 'session_meta'
          ? [obj(rec.payload)?.id]
          : 'instructions' in rec || 'git' in rec
            ? [rec.id]
            : [];
    for (const id of ids) {
      if (id === undefined || id === null) continue;
      if (typeof id !== 'string' || !UUID_ONLY.test(id)) return { ok: false, firstSession };
    }
    const session = assistant === 'claude' ? rec.sessionId : ids[0];
    if (firstSession === null && typeof session === 'string') firstSession = session;
  }
  return { ok: true, firstSession };
}

function describe(file: string): SourceFile | null {
  const rel = path.relative(CORPUS_DIR, file);
  const bytes = fs.statSync(file).size;
  if (bytes === 0) return null;
  const assistant = corpusAssistant(file);
  // The generators refresh Claude Code and Codex ids only.
  if (assistant !== 'claude' && assistant !== 'codex') return null;
  const ids = checkIds(fs.readFileSync(file, 'latin1'), assistant);
  if (!ids.ok) return null;
  const base = path.basename(rel);
  const stem = base.replace(/\.jsonl$/, '');
  const derived = uuidFrom(createHash('sha1').update(rel).digest('hex'));
  if (assistant === 'codex') {
    const ts = ROLLOUT_TS.exec(base)?.[1] ?? '2026-01-01T00-00-00';
    const sessionUuid = ids.firstSession ?? /[0-9a-f-]{36}$/i.exec(stem)?.[0] ?? derived;
    return { file, rel, assistant, bytes, role: 'main', project: '', inner: ts, sessionUuid };
  }
  const role = base.startsWith('agent-') ? 'agent' : 'main';
  const sub = rel.indexOf('/subagents/');
  // Below `subagents/` only `agent-*.jsonl` is a transcript (workflow journals are not discovered).
  if (sub >= 0 && role !== 'agent') return null;
  const sessionDir = sub >= 0 ? path.dirname(rel.slice(0, sub)) : path.dirname(rel);
  const project = sessionDir.replace(/[^A-Za-z0-9]+/g, '-');
  let inner = rel.slice(sessionDir.length + 1);
  const sessionUuid = UUID_ONLY.test(stem) ? stem : (ids.firstSession ?? derived);
  // Session files are named after their session UUID, as Claude Code names them.
  if (role === 'main' && !UUID_ONLY.test(stem)) inner = path.join(path.dirname(inner), `${derived}.jsonl`);
  return { file, rel, assistant, bytes, role, project, inner, sessionUuid };
}

let cached: SourceFile[] | null = null;

/** Every usable corpus `.jsonl`, sorted by path. */
export function sourceFiles(): SourceFile[] {
  cached ??= walkFiles(CORPUS_DIR)
    .filter((f) => f.endsWith('.jsonl'))
    .map(describe)
    .filter((s): s is SourceFile => s !== null);
  return cached;
}
