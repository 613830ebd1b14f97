/** Test helpers for the Gemini parser: literal records as consecutive lines of one file, and builders. */
import { readFileSync } from 'node:fs';
import { type GeminiState, geminiParser } from '../../../src/parsers/gemini/index.js';
import type { FileContext, ParsedMessage, RecordOutput } from '../../../src/parsers/types.js';
import { linesFrom } from '../../support/parser-lines.js';

export const SID = '4f1a2b3c-0000-4000-8000-00000000abcd';

export function ctxFor(over: Partial<FileContext> = {}): FileContext {
  return {
    path: '/g/tmp/demo/chats/session-2026-04-29T21-39-4f1a2b3c.jsonl',
    assistant: 'gemini',
    role: 'main',
    stem: 'session-2026-04-29T21-39-4f1a2b3c',
    projectPath: '/work/demo',
    ...over,
  };
}

export interface FileRun {
  outs: RecordOutput[];
  state: GeminiState;
}

/** Parses records in one go; `state` may be carried over (through JSON, as the checkpoint does). */
export function run(records: unknown[], ctx: FileContext = ctxFor(), state?: GeminiState): FileRun {
  const s = state ?? geminiParser.initialState(ctx);
  const outs = linesFrom(records).map((l) => geminiParser.parse(l, s, ctx));
  return { outs, state: s };
}

export function parseFile(path: string, ctx: FileContext = ctxFor()): FileRun {
  const records = readFileSync(path, 'utf8')
    .split('\n')
    .filter((t) => t.trim().length > 0)
    .map((t) => JSON.parse(t) as unknown);
  return run(records, ctx);
}

export const msgs = (r: FileRun): ParsedMessage[] => r.outs.flatMap((o) => o.messages);

let clock = 0;
function ts(): string {
  clock += 1;
  return `2026-04-29T21:${String(40 + Math.floor(clock / 60)).padStart(2, '0')}:${String(clock % 60).padStart(2, '0')}.000Z`;
}

export const header = (extra: Record<string, unknown> = {}) => ({
  sessionId: SID,
  projectHash: '0b7dfb1274ee51b336813b17f2ddab1f56b6591f723e7314126bbd502c69e9c9',
  startTime: '2026-04-29T21:39:22.319Z',
  lastUpdated: '2026-04-29T21:39:22.319Z',
  kind: 'main',
  ...extra,
});

export const user = (id: string, content: unknown, extra: Record<string, unknown> = {}) => ({
  id,
  timestamp: ts(),
  type: 'user',
  content,
  ...extra,
});

export const gemini = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  timestamp: '2026-04-29T21:39:35.125Z',
  type: 'gemini',
  content: '',
  thoughts: [],
  model: 'gemini-3-flash-preview',
  ...extra,
});

export const tokens = (input: number, output: number, cached = 0, thoughts = 0, tool = 0) => ({
  input,
  output,
  cached,
  thoughts,
  tool,
  total: input + output + thoughts + tool,
});

export const shellCall = (id: string, result?: unknown, status = 'success') => ({
  id,
  name: 'run_shell_command',
  args: { command: 'ls -F', description: 'List files.' },
  ...(result === undefined ? {} : { result }),
  status,
  timestamp: '2026-04-29T21:39:36.364Z',
  resultDisplay: 'AgentSessions/',
  displayName: 'Shell',
  description: 'ls -F',
  renderOutputAsMarkdown: false,
});

export const functionResponse = (id: string, output: string) => ({
  functionResponse: { id, name: 'run_shell_command', response: { output } },
});

export { linesFrom };
