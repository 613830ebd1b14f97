/**
 * Goldens for the search tests, read from the raw corpus files with `JSON.parse` alone (no parser of ours):
 * rare words, with the sessions named by the records of the files that hold them. A hit for such a word can
 * only come from a message of one of those files, so its session must be one of those.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CORPUS_DIR, corpusAssistant, walkFiles } from './corpus.js';

type Rec = Record<string, unknown>;

interface FileText {
  file: string;
  assistant: 'claude' | 'codex';
  lines: { rec: Rec | null; text: string; words: Set<string> }[];
  /** Every string of the file (keys included), one per line, for phrase checks. */
  all: string;
}

export interface WordPick {
  word: string;
  file: string;
  assistant: 'claude' | 'codex';
  /** The sessions named by the records (in every corpus file) holding the word. */
  sessions: string[];
  /** The working directory the prompt's record (or the file's meta record) names. */
  cwd: string;
  /** The prompt's timestamp. */
  at: string;
}

const obj = (v: unknown): Rec | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : null;

function collect(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) collect(x, out);
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      collect(x, out);
    }
}

/** Words as FTS5's unicode61 tokenizer with `remove_diacritics` makes them: letter/digit runs, folded. */
export function words(text: string): string[] {
  return (
    text
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}\p{Co}]+/gu) ?? []
  );
}

function readFile(file: string): FileText {
  const lines = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      let rec: Rec | null = null;
      const strings: string[] = [];
      try {
        rec = obj(JSON.parse(line));
        collect(rec, strings);
      } catch {
        strings.push(line);
      }
      const text = strings.join('\n');
      return { rec, text, words: new Set(words(text)) };
    });
  const assistant = corpusAssistant(file) === 'codex' ? 'codex' : 'claude';
  return { file, assistant, lines, all: lines.map((l) => l.text).join('\n') };
}

interface CorpusText {
  files: FileText[];
  /** How many files hold each word. */
  filesWith: Map<string, number>;
  /** How many Claude records carry each `uuid@timestamp`: a record is stored once under that identity. */
  claudeIdentities: Map<string, number>;
}

let cache: CorpusText | null = null;

const claudeIdentity = (rec: Rec) => `${String(rec.uuid)}@${String(rec.timestamp)}`;

export function corpusText(): CorpusText {
  if (cache) return cache;
  // The files linkCorpus lays out: Claude Code and Codex (the other agents' samples have their own tests).
  const files = walkFiles(CORPUS_DIR)
    .filter((f) => f.endsWith('.jsonl') && ['claude', 'codex'].includes(corpusAssistant(f)))
    .map(readFile);
  const filesWith = new Map<string, number>();
  for (const f of files) {
    const seen = new Set<string>();
    for (const l of f.lines) for (const w of l.words) seen.add(w);
    for (const w of seen) filesWith.set(w, (filesWith.get(w) ?? 0) + 1);
  }
  const claudeIdentities = new Map<string, number>();
  for (const f of files.filter((x) => x.assistant === 'claude'))
    for (const l of f.lines)
      if (typeof l.rec?.uuid === 'string') {
        const id = claudeIdentity(l.rec);
        claudeIdentities.set(id, (claudeIdentities.get(id) ?? 0) + 1);
      }
  cache = { files, filesWith, claudeIdentities };
  return cache;
}

function promptText(rec: Rec, assistant: 'claude' | 'codex'): string | null {
  if (assistant === 'codex') {
    const p = obj(rec.payload);
    return rec.type === 'event_msg' && p?.type === 'user_message' && typeof p.message === 'string'
      ? p.message
      : null;
  }
  if (rec.type !== 'user' || rec.isMeta || rec.isCompactSummary || typeof rec.sessionId !== 'string')
    return null;
  const content = obj(rec.message)?.content;
  const text =
    typeof content === 'string'
      ? content
      : Array.isArray(content)
        ? content
            .map((b) => obj(b))
            .filter((b) => b?.type === 'text' && typeof b.text === 'string')
            .map((b) => b!.text as string)
            .join('\n')
        : '';
  // Command output and caveats that Claude Code writes as user records are not prompts.
  return text.trim() === '' || /^\s*(<|Caveat:)/.test(text) ? null : text;
}

const ID = /^[0-9A-Za-z][0-9A-Za-z_-]{7,}$/;

/** The sessions a Codex file's own meta records name (modern `session_meta`, or the legacy first line). */
function codexMeta(f: FileText): { sessions: string[]; cwd: string } | null {
  const metas = f.lines
    .map((l) => (l.rec?.type === 'session_meta' ? obj(l.rec.payload) : null))
    .filter((m): m is Rec => m !== null);
  const legacy = f.lines[0]?.rec && 'instructions' in f.lines[0].rec ? f.lines[0].rec : null;
  const ids = [...metas.map((m) => m.id), legacy?.id];
  const sessions = ids.filter((id): id is string => typeof id === 'string');
  if (sessions.length === 0 || !sessions.every((id) => ID.test(id))) return null;
  return { sessions, cwd: (metas.find((m) => typeof m.cwd === 'string')?.cwd as string | undefined) ?? '' };
}

function isClaudeMainFile(file: string): boolean {
  return !file.includes(`${path.sep}subagents${path.sep}`) && !path.basename(file).startsWith('agent-');
}

/**
 * The sessions any message holding `word` can belong to: for every corpus file holding it, the session its
 * records (Claude) or its meta record (Codex) name. Null when a holder cannot say (a sub-agent file, a record
 * without a session id, a Codex file without a usable meta record).
 */
export function sessionsHolding(word: string): string[] | null {
  const out = new Set<string>();
  for (const f of corpusText().files) {
    const holders = f.lines.filter((l) => l.words.has(word));
    if (holders.length === 0) continue;
    if (f.assistant === 'codex') {
      const meta = codexMeta(f);
      if (!meta) return null;
      for (const s of meta.sessions) out.add(s);
      continue;
    }
    if (!isClaudeMainFile(f.file)) return null;
    for (const h of holders) {
      const id = h.rec?.sessionId;
      if (typeof id !== 'string') return null;
      out.add(id);
    }
  }
  return [...out];
}

/**
 * For each usable file, the first word (6+ ASCII letters) of one of its prompts that at most three corpus
 * files hold, with the sessions it can be found in.
 */
export function rarePromptWords(): WordPick[] {
  const { files } = corpusText();
  const picks: WordPick[] = [];
  for (const f of files) {
    if (f.assistant === 'claude' && !isClaudeMainFile(f.file)) continue;
    const meta = f.assistant === 'codex' ? codexMeta(f) : null;
    if (f.assistant === 'codex' && !meta) continue;
    const pick = pickInFile(f, meta);
    if (pick) picks.push(pick);
  }
  return picks;
}

function pickInFile(f: FileText, meta: { sessions: string[]; cwd: string } | null): WordPick | null {
  const { filesWith, claudeIdentities } = corpusText();
  for (const l of f.lines) {
    const text = l.rec ? promptText(l.rec, f.assistant) : null;
    // Hand-written fixtures reuse a uuid and timestamp for different records: only the first one read is
    // stored (ARCHITECTURE.md, Identities), so such a prompt may rightly be absent.
    if (f.assistant === 'claude' && l.rec && claudeIdentities.get(claudeIdentity(l.rec)) !== 1) continue;
    const cwd = meta ? meta.cwd : (l.rec?.cwd as string | undefined);
    const at = l.rec?.timestamp as string | undefined;
    if (!text || !cwd || !at || Number.isNaN(Date.parse(at))) continue;
    for (const word of words(text)) {
      if (!/^[a-z]{6,}$/.test(word) || (filesWith.get(word) ?? 0) > 3) continue;
      const sessions = sessionsHolding(word);
      if (sessions) return { word, file: f.file, assistant: f.assistant, sessions, cwd, at };
    }
  }
  return null;
}

/**
 * A dotted call such as `os.makedirs(` from a Claude session file whose two words occur next to each other
 * (with only punctuation or spaces between, which is what an FTS5 phrase matches) in no other corpus file.
 */
export function uniqueDottedCall(): { call: string; parts: [string, string]; sessions: string[] } | null {
  const { files } = corpusText();
  const phrase = (a: string, b: string) =>
    new RegExp(`(?<![\\p{L}\\p{N}])${a}[^\\p{L}\\p{N}]+${b}(?![\\p{L}\\p{N}])`, 'iu');
  for (const f of files) {
    if (f.assistant !== 'claude' || !isClaudeMainFile(f.file)) continue;
    for (const m of f.all.matchAll(/(?<![\w.])([a-z][a-z]{3,})\.([a-z][a-zA-Z]{4,})\(/g)) {
      const [a, b] = [m[1]!, m[2]!];
      const re = phrase(a, b);
      if (files.some((o) => o !== f && re.test(o.all))) continue;
      const holders = f.lines.filter((l) => re.test(l.text));
      if (holders.some((l) => typeof l.rec?.sessionId !== 'string')) continue;
      const sessions = [...new Set(holders.map((l) => l.rec!.sessionId as string))];
      return { call: `${a}.${b}()`, parts: [a.toLowerCase(), b.toLowerCase()], sessions };
    }
  }
  return null;
}
