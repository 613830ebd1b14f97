/**
 * `system` records: harness notices. Only the ones a reader of the conversation needs become messages;
 * bookkeeping subtypes (turn_duration, stop_hook_summary, session_start, …) stay local context rows.
 */
import type { ParsedMessage } from '../types.js';
import { message, type Scope } from './scope.js';
import { isObj, type Obj, str } from './util.js';

export interface SystemResult {
  messages: ParsedMessage[];
  note?: string;
}

function errorContent(rec: Obj): string {
  const err = rec.error;
  if (isObj(err)) {
    const text = str(err.message) ?? str(err.formatted);
    if (text !== null) return text;
  }
  return str(err) ?? str(rec.content) ?? 'API error';
}

/** Keeps the compaction facts (trigger, size before) that the bare "Conversation compacted" text lacks. */
function compactContent(rec: Obj): string {
  const base = str(rec.content) ?? 'Conversation compacted';
  const meta = isObj(rec.compactMetadata) ? rec.compactMetadata : {};
  const facts: string[] = [];
  const trigger = str(meta.trigger);
  if (trigger !== null) facts.push(`trigger: ${trigger}`);
  if (typeof meta.preTokens === 'number') facts.push(`preTokens: ${meta.preTokens}`);
  return facts.length > 0 ? `${base} (${facts.join(', ')})` : base;
}

function contextOf(scope: Scope, text: string | null): SystemResult {
  if (text === null) return { messages: [], note: 'empty notice' };
  return { messages: [message(scope, 0, 'context', 'system', text)] };
}

export function parseSystem(scope: Scope): SystemResult {
  const rec = scope.rec;
  const subtype = rec.subtype;
  switch (subtype) {
    // `error` is the 2.1.2xx record with the same `error` object as `api_error`.
    case 'api_error':
    case 'error':
      return { messages: [message(scope, 0, 'error', 'system', errorContent(rec))] };
    case 'compact_boundary':
      return contextOf(scope, compactContent(rec));
    case 'local_command':
      return contextOf(scope, str(rec.content));
    case 'away_summary': {
      // A model-written recap of the session so far: a summary, not a notice.
      const text = str(rec.content);
      if (text === null) return { messages: [], note: 'empty summary' };
      return { messages: [message(scope, 0, 'summary', 'system', text)] };
    }
    case undefined:
      // 1.0.x notices without a subtype ("Running PostToolUse:Edit...", model fallback).
      return contextOf(scope, str(rec.content));
    default:
      return { messages: [], note: 'system metadata' };
  }
}
