/**
 * Legacy Gemini CLI sessions (≤ 0.38) as byte sources. Such a session is ONE pretty-printed JSON document
 * `{sessionId, projectHash, startTime, lastUpdated, messages: [MessageRecord…], summary?, kind?}`, rewritten
 * whole (`writeFileSync`) on every change (agents-formats.md §2). Ingest is line-based, so, as for OpenCode
 * sessions (opencode-source.ts), the document is served as a deterministic JSONL rendering in the shape the
 * JSONL-era parser (parsers/gemini) already reads:
 *
 * - line 1, the header `{sessionId, projectHash, startTime, kind?, directories?}`. `lastUpdated` is left
 *   out: it moves on every rewrite, and without it a rewrite that only appends messages keeps the same
 *   prefix, which ingest then reads as an append;
 * - one line per entry of `messages[]`, the MessageRecord as it is. The same id twice in the list (it
 *   happens, agents-formats §2 pitfalls) is rendered twice: the parser's upsert keeps the last, as Gemini
 *   CLI's own loader does;
 * - `{"$set":{"summary":…}}` last, when the document has a summary.
 *
 * A message whose tokens were added changes its own line only; new messages are appended at the end. A
 * document that does not parse (a rewrite caught half-written) or is not a session record throws
 * `SourceDecodeError`: the pass reports the file as skipped and tries again next pass. The document is read
 * and rendered whole in memory, like a `.zst` cold copy: it is one JSON value, with no line to stop at.
 */
import fs from 'node:fs';
import { SourceDecodeError } from './errors.js';
import { jsonText } from './json-text.js';

/** Same as source.ts: never block on a FIFO swapped in for the path. */
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/** Header fields kept, in this order; everything else at the top level moves or is rendered elsewhere. */
const HEADER_FIELDS = ['sessionId', 'projectHash', 'startTime', 'kind', 'directories'] as const;

function readWhole(p: string): string {
  const fd = fs.openSync(p, OPEN_FLAGS);
  try {
    if (!fs.fstatSync(fd).isFile()) throw new SourceDecodeError(p, 'not a regular file');
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** The JSONL rendering of one legacy session document (see the module comment). Throws the fs error as is. */
export function renderGeminiJson(p: string): Buffer {
  const text = readWhole(p);
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new SourceDecodeError(
      p,
      `not a complete JSON document (${reason}); Gemini CLI may be rewriting it, it is read again next pass`,
      { cause: err },
    );
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new SourceDecodeError(p, 'not a Gemini CLI session record (the JSON document is not an object)');
  const rec = doc as Record<string, unknown>;
  if (typeof rec.sessionId !== 'string' || rec.sessionId.length === 0 || !Array.isArray(rec.messages))
    throw new SourceDecodeError(p, 'not a Gemini CLI session record (no sessionId or no messages list)');
  const head: Record<string, unknown> = {};
  for (const f of HEADER_FIELDS) if (rec[f] !== undefined) head[f] = rec[f];
  const lines = [jsonText(head)];
  for (const m of rec.messages) lines.push(jsonText(m));
  if (rec.summary !== undefined && rec.summary !== null)
    lines.push(jsonText({ $set: { summary: rec.summary } }));
  return Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
}
