/** One pi JSONL line: guards, then dispatch by entry `type`. */
import type { LineInput, RecordOutput } from '../types.js';
import { emptyOutput } from '../types.js';
import { otherEntry } from './entries.js';
import { entryKey } from './identity.js';
import type { Line } from './line.js';
import { messageEntry } from './messages.js';
import type { PiState } from './state.js';
import { field, isObj, isoTime, str } from './util.js';

export function parseRecord(input: LineInput, state: PiState): RecordOutput {
  const entry = input?.json;
  if (!isObj(entry)) {
    const out = emptyOutput('invalid', state.sessionKey);
    out.warning = 'record is not a JSON object';
    return out;
  }
  const type = str(entry.type) ?? '';
  const line: Line = {
    state,
    out: emptyOutput(type || '(untyped)', state.sessionKey),
    entry,
    key: entryKey(entry, state.sessionKey),
    emittedAt: isoTime(entry.timestamp, field(entry.message, 'timestamp')),
  };
  if (type === 'message') messageEntry(line, entry.message);
  else if (!otherEntry(line, type, entry)) line.out.note = type ? 'unhandled entry' : 'untyped entry';
  // `note` explains an empty result only.
  if (line.out.messages.length > 0) delete line.out.note;
  return line.out;
}
