/** One line → one `RecordOutput`: what kind of record it is, and dispatch to the handlers. */
import type { FileContext, LineInput, RecordOutput } from '../types.js';
import { emptyOutput } from '../types.js';
import { type Line, newLine } from './line.js';
import { applyMessage } from './message.js';
import { header, isHeader, rewind, setRecord } from './meta.js';
import type { GeminiState } from './state.js';
import { isObj, type Obj, str } from './util.js';

function message(line: Line, rec: Obj): void {
  const applied = applyMessage(line, rec, 'live');
  const { out } = line;
  const id = str(rec.id);
  if (out.messages.length > 0) {
    if (applied.reason !== null) out.note = applied.reason;
    else if (!applied.firstSight)
      out.note = `re-append of message ${id}: ${applied.fresh} new, ${applied.changed} updated parts`;
    return;
  }
  const what = applied.firstSight ? `message ${id}` : `re-append of message ${id}`;
  if (out.usage.length > 0) out.note = `${what}: token usage only, no part to store yet or again`;
  else if (applied.reason !== null) out.note = applied.reason;
  else out.note = applied.same > 0 ? `unchanged re-append of message ${id}` : `${what} with nothing to store`;
}

export function parseRecord(input: LineInput, state: GeminiState, ctx: FileContext): RecordOutput {
  const rec = input?.json;
  if (!isObj(rec)) {
    const out = emptyOutput('invalid', state.sessionKey);
    out.warning = 'record is not a JSON object';
    return out;
  }
  let line: Line;
  if (typeof rec.$rewindTo === 'string') {
    line = newLine(state, ctx, '$rewindTo');
    rewind(line, rec.$rewindTo);
  } else if (typeof rec.id === 'string') {
    const type = str(rec.type);
    line = newLine(state, ctx, type ?? 'message');
    message(line, rec);
  } else if (isObj(rec.$set)) {
    line = newLine(state, ctx, '$set');
    setRecord(line, rec.$set);
  } else if (isHeader(rec)) {
    line = newLine(state, ctx, 'header');
    header(line, rec);
  } else {
    line = newLine(state, ctx, 'unknown');
    line.out.note = 'unrecognised record';
  }
  line.out.sessionKey = state.sessionKey ?? (state.warnedNoHeader ? state.fallbackKey : null);
  return line.out;
}
