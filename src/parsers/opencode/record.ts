/** One rendered line → its parser output, by the line's `record` field. */
import type { FileContext, LineInput, RecordOutput } from '../types.js';
import { emptyOutput } from '../types.js';
import { parseMessage } from './message.js';
import { parseSession } from './session.js';
import { type OpenCodeState, sessionKeyOf } from './state.js';
import { isObj } from './util.js';

export function parseRecord(line: LineInput, state: OpenCodeState, ctx: FileContext): RecordOutput {
  const rec = line.json;
  if (!isObj(rec)) {
    const out = emptyOutput('invalid', sessionKeyOf(state));
    out.warning = 'not a JSON object';
    return out;
  }
  if (rec.record === 'session') {
    if (isObj(rec.session)) return parseSession(rec.session, state, ctx);
    const out = emptyOutput('session', sessionKeyOf(state));
    out.warning = 'session line without a session row';
    return out;
  }
  if (rec.record === 'message') return parseMessage(rec, state);
  const out = emptyOutput(`unknown:${String(rec.record ?? '')}`, sessionKeyOf(state));
  out.note = 'unknown record kind';
  return out;
}
