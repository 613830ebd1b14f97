/**
 * The parser of an agent whose format is not read yet: every record is kept (its raw line is stored by
 * ingest) with a note, and produces no message.
 */
import { emptyOutput, type LineInput, type Parser, type RecordOutput } from './types.js';

export const pendingParser: Parser<Record<string, never>> = {
  initialState: () => ({}),
  parse(_line: LineInput): RecordOutput {
    const out = emptyOutput('(not read yet)', null);
    out.note = "this agent's format is not read yet";
    return out;
  },
};
