/**
 * An aiobscura-independent look at what the agent wrote: does each served response's usage appear in its
 * files (the prompt and output counts as JSON numbers)? It tells which agents persist per-call usage at all
 * (Copilot's is ephemeral) and works before a parser exists.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Served } from './api/types.js';
import type { CheckRow } from './check.js';

const PROMPT_FIELDS = ['input_tokens', 'prompt_tokens', 'promptTokenCount'];
const OUTPUT_FIELDS = ['output_tokens', 'completion_tokens', 'candidatesTokenCount'];

function pick(wire: Record<string, unknown>, fields: string[]): number | null {
  for (const f of fields) if (typeof wire[f] === 'number') return wire[f] as number;
  return null;
}

function filesUnder(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  if (fs.statSync(root).isFile()) return [root];
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

export function rawUsageRow(home: string, roots: string[], served: Served[]): CheckRow {
  const files = roots.flatMap((r) => filesUnder(path.join(home, r)));
  const text = files.map((f) => fs.readFileSync(f).toString('latin1')).join('\n');
  const has = (n: number) => new RegExp(`(^|[^0-9.])${n}([^0-9.]|$)`).test(text);
  // Side requests (titles, routers) are not part of the session an agent keeps.
  const generated = served.filter((s) => s.wireUsage !== null && s.role !== 'aux');
  const found = generated.filter((s) => {
    const p = pick(s.wireUsage!, PROMPT_FIELDS);
    const o = pick(s.wireUsage!, OUTPUT_FIELDS);
    // The prompt count as sent, or without its cached part (how OpenCode and Anthropic-style stores keep it).
    return p !== null && o !== null && (has(p) || has(s.usage!.input)) && has(o);
  });
  const figure = `${found.length}/${generated.length} served usages appear in ${files.length} file(s) the agent wrote`;
  if (files.length === 0)
    return {
      check: 'usage in the agent files',
      status: 'FAIL',
      figure: 'the agent wrote no file under its log roots',
    };
  return {
    check: 'usage in the agent files',
    status: found.length === generated.length ? 'PASS' : 'INFO',
    figure,
  };
}
