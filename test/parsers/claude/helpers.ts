/**
 * Shared helpers for the Claude parser tests: literal contexts, a one-record runner, and the corpus of real
 * Claude Code files read in place from `shared/corpus` (never copied into this repository).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClaudeState, claudeParser } from '../../../src/parsers/claude/index.js';
import type { FileContext, RecordOutput } from '../../../src/parsers/types.js';

export const CORPUS = fileURLToPath(new URL('../../../../shared/corpus/', import.meta.url));

export const mainCtx: FileContext = {
  path: '/p/proj/sess-1.jsonl',
  assistant: 'claude',
  role: 'main',
  stem: 'sess-1',
};

export const agentCtx: FileContext = {
  path: '/p/proj/sess-1/subagents/agent-a1.jsonl',
  assistant: 'claude',
  role: 'agent',
  stem: 'agent-a1',
  agentId: 'a1',
  parentSessionFromPath: 'sess-1',
};

/** Parses records in order with one fresh state, as the ingest layer would for one file. */
export function run(records: unknown[], ctx: FileContext = mainCtx): RecordOutput[] {
  const state = claudeParser.initialState(ctx);
  return records.map((json, i) => claudeParser.parse({ lineNo: i + 1, offset: i * 100, json }, state, ctx));
}

export function one(record: unknown, ctx: FileContext = mainCtx): RecordOutput {
  return run([record], ctx)[0]!;
}

/** The Codex logs of the corpus; everything else ending in `.jsonl` is Claude Code. */
const CODEX = [
  /codex_log_viewer\//,
  /agent-sessions\/Resources\/Fixtures\/codex_/,
  /\/agents\/codex\//,
  /aiobscura\/.*\/fixtures\/codex\//,
  /claude-code-log\/test\/fixtures\/codex\//,
];

function walk(dir: string, out: string[]): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.name.endsWith('.jsonl')) out.push(full);
  }
}

export function claudeCorpusFiles(): string[] {
  const all: string[] = [];
  walk(CORPUS, all);
  return all.filter((f) => !CODEX.some((re) => re.test(f.slice(CORPUS.length - 1)))).sort();
}

/** The context `sources/` would derive from a path (same rules: `agent-*` files, `<session>/subagents/**`). */
export function ctxFor(file: string): FileContext {
  const stem = path.basename(file).replace(/\.jsonl$/, '');
  const isAgent = stem.startsWith('agent-');
  const parts = file.split(path.sep);
  const sub = parts.lastIndexOf('subagents');
  return {
    path: file,
    assistant: 'claude',
    role: isAgent ? 'agent' : 'main',
    stem,
    agentId: isAgent ? stem.slice('agent-'.length) : null,
    parentSessionFromPath: isAgent && sub > 0 ? parts[sub - 1]! : null,
  };
}

export interface Line {
  lineNo: number;
  offset: number;
  text: string;
  json: unknown;
  valid: boolean;
}

/** Splits on `\n` only (U+2028 inside strings is legal JSON) and tracks byte offsets. */
export function readLines(file: string): Line[] {
  const buf = fs.readFileSync(file);
  const out: Line[] = [];
  let start = 0;
  let lineNo = 0;
  while (start < buf.length) {
    let end = buf.indexOf(0x0a, start);
    if (end < 0) end = buf.length;
    lineNo++;
    const text = buf.subarray(start, end).toString('utf8');
    let json: unknown = null;
    let valid = false;
    try {
      json = JSON.parse(text);
      valid = true;
    } catch {
      valid = false;
    }
    out.push({ lineNo, offset: start, text, json, valid });
    start = end + 1;
  }
  return out;
}

export function parseFile(file: string): {
  lines: Line[];
  outputs: (RecordOutput | null)[];
  state: ClaudeState;
} {
  const ctx = ctxFor(file);
  const state = claudeParser.initialState(ctx);
  const lines = readLines(file);
  const outputs = lines.map((l) =>
    l.valid && l.text.trim() !== ''
      ? claudeParser.parse({ lineNo: l.lineNo, offset: l.offset, json: l.json }, state, ctx)
      : null,
  );
  return { lines, outputs, state };
}
