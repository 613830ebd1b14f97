/** Test helpers for the pi parser: literal entries or corpus files (read in place) parsed line by line. */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { type PiState, piParser } from '../../../src/parsers/pi/index.js';
import type { FileContext, LineInput, ParsedMessage, RecordOutput } from '../../../src/parsers/types.js';
import { linesFrom } from '../../support/parser-lines.js';

export const SID = '019e19b4-eb48-746a-aa6b-8dfcfa37954b';
export const STEM = `2026-05-12T01-02-27-657Z_${SID}`;

export function ctxFor(path: string): FileContext {
  return { path, assistant: 'pi', role: 'main', stem: basename(path).replace(/\.jsonl$/, '') };
}

export const CTX = ctxFor(`/x/sessions/--work-x--/${STEM}.jsonl`);

export interface FileRun {
  outs: RecordOutput[];
  state: PiState;
}

export function parseLines(lines: LineInput[], ctx: FileContext = CTX): FileRun {
  let state = piParser.initialState(ctx);
  const outs: RecordOutput[] = [];
  for (const l of lines) {
    // Through JSON after every line, as the checkpoint persists it when a later pass resumes there.
    state = JSON.parse(JSON.stringify(state)) as PiState;
    outs.push(piParser.parse(l, state, ctx));
  }
  return { outs, state };
}

export function run(records: unknown[], ctx: FileContext = CTX): FileRun {
  return parseLines(linesFrom(records), ctx);
}

/** The non-blank lines of a file, JSON-parsed (undefined when a line is not JSON). */
export function fileLines(path: string): LineInput[] {
  const buf = readFileSync(path);
  const out: LineInput[] = [];
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
      out.push({ lineNo, offset: start, json });
    }
    start = end + 1;
  }
  return out;
}

export function messagesOf(r: FileRun): ParsedMessage[] {
  return r.outs.flatMap((o) => o.messages);
}

/** pi's v1 → v3 migration as `migrateToCurrentVersion` does it: fresh ids, parent chain, version 3. */
export function migrateV1(records: Record<string, unknown>[]): Record<string, unknown>[] {
  let prev: string | null = null;
  let n = 0;
  const ids: string[] = [];
  return records.map((r) => {
    if (r.type === 'session') return { ...r, version: 3 };
    const id = (0x10000000 + n++ * 7919).toString(16).slice(0, 8);
    ids.push(id);
    const out: Record<string, unknown> = { ...r, id, parentId: prev };
    prev = id;
    if (out.type === 'compaction' && typeof out.firstKeptEntryIndex === 'number') {
      // Index into the file's entries, header included (entries[0] is the header).
      out.firstKeptEntryId = ids[out.firstKeptEntryIndex - 1] ?? id;
      delete out.firstKeptEntryIndex;
    }
    return out;
  });
}

export { linesFrom };
