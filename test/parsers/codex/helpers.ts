/** Test helpers: corpus files split into `LineInput`s in place (never copied), and whole-file parsing. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CodexState, codexParser } from '../../../src/parsers/codex/index.js';
import type { FileContext, LineInput, RecordOutput } from '../../../src/parsers/types.js';
import { linesFrom } from '../../support/parser-lines.js';

export const CORPUS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/corpus');

/** Every Codex rollout in the corpus (see shared/corpus/SOURCES.md). */
export function codexCorpusFiles(): string[] {
  const roots = [
    'codex_log_viewer',
    'agent-sessions/Resources/Fixtures/stage0/agents/codex',
    'aiobscura/aiobscura-core/tests/fixtures/codex',
    'claude-code-log/test/fixtures/codex',
  ];
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.jsonl')) files.push(p);
    }
  };
  for (const r of roots) walk(join(CORPUS, r));
  const fixtures = join(CORPUS, 'agent-sessions/Resources/Fixtures');
  for (const name of readdirSync(fixtures))
    if (/^codex_05.*\.jsonl$/.test(name)) files.push(join(fixtures, name));
  return files.sort();
}

export function corpusPath(rel: string): string {
  return join(CORPUS, rel);
}

/** Splits on `\n` bytes only, keeping byte offsets; unparsable lines are returned with `json: undefined`. */
export function linesOf(buf: Buffer): Array<LineInput & { text: string }> {
  const out: Array<LineInput & { text: string }> = [];
  let start = 0;
  let lineNo = 0;
  while (start < buf.length) {
    let end = buf.indexOf(0x0a, start);
    if (end < 0) end = buf.length;
    lineNo += 1;
    const text = buf.subarray(start, end).toString('utf8');
    if (text.trim().length > 0) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      out.push({ lineNo, offset: start, json, text });
    }
    start = end + 1;
  }
  return out;
}

export function ctxFor(path: string): FileContext {
  return { path, assistant: 'codex', role: 'main', stem: basename(path).replace(/\.jsonl(\.zst)?$/, '') };
}

export interface FileRun {
  outs: RecordOutput[];
  state: CodexState;
  raw: unknown[];
}

export function parseLines(lines: LineInput[], ctx: FileContext): FileRun {
  const state = codexParser.initialState(ctx);
  const outs = lines.map((l) => codexParser.parse(l, state, ctx));
  return { outs, state, raw: lines.map((l) => l.json) };
}

export function parseFile(path: string): FileRun {
  return parseLines(linesOf(readFileSync(path)), ctxFor(path));
}

export function messagesOf(run: FileRun) {
  return run.outs.flatMap((o) => o.messages);
}

export { linesFrom };
