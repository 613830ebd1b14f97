/**
 * JSON decoding of one complete line, with recovery of records glued after a torn one.
 *
 * Corrupt lines happen mid-file (log-formats.md §1, E2): an unclean shutdown truncates a record
 * (anthropics/claude-code#50347), or an interleaved partial write cuts a record mid-string and the next
 * record starts on the same physical line (openai/codex#24425). Losing the glued, intact record would drop
 * data silently, so on a parse failure we look for later `{"` starts whose suffix parses as an object.
 *
 * Cost is bounded: at most `MAX_RECOVERY_ATTEMPTS` extra `JSON.parse` calls per line, each linear in the
 * line, and only for lines that are already invalid.
 */

export interface DecodedLine {
  /** Records decoded from the line, in line order: one for a valid line, 0…n for a corrupt one. */
  values: unknown[];
  /** Set when the line is not valid JSON: the parse error and what was recovered. */
  warning?: string;
}

export const MAX_RECOVERY_ATTEMPTS = 64;
const MAX_REASON_CHARS = 160;

/**
 * Decodes one line. Never throws. A blank line yields no values and no warning (the reader marks blanks;
 * they are not records). Valid JSON that is not an object is returned as is: judging shape is the parser's job.
 */
export function decodeLine(text: string): DecodedLine {
  if (text.trim() === '') return { values: [] };
  const whole = tryParse(text);
  if (whole.ok) return { values: [whole.value] };

  const budget = { left: MAX_RECOVERY_ATTEMPTS };
  const recovered = recover(text, budget);
  const reason = `invalid JSON (${shorten(whole.reason)})`;
  if (recovered.values.length === 0) return { values: [], warning: `${reason}; no record recovered` };
  const lost = text.length - recovered.keptChars;
  const dropped = lost > 0 ? `; ${lost} chars dropped` : '';
  const n = recovered.values.length;
  return {
    values: recovered.values,
    warning: `${reason}; recovered ${n} record${n === 1 ? '' : 's'}${dropped}`,
  };
}

type ParseResult = { ok: true; value: unknown } | { ok: false; reason: string };

function tryParse(text: string): ParseResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

interface Recovered {
  values: unknown[];
  /** Characters covered by the recovered records; the rest is the torn or garbage part. */
  keptChars: number;
}

/**
 * Finds the leftmost `{"` start whose suffix parses as an object, keeps it, then searches the prefix before
 * it the same way, so `A}{B` (two intact records, no newline between them) keeps both, and `torn{B` keeps B.
 * `text` itself is known not to parse.
 */
function recover(text: string, budget: { left: number }): Recovered {
  let at = text.indexOf('{"', 1);
  while (at !== -1 && budget.left > 0) {
    budget.left -= 1;
    const tail = tryParse(text.slice(at));
    if (tail.ok && isObject(tail.value)) {
      const head = text.slice(0, at);
      const tailChars = text.length - at;
      if (head.trim() === '') return { values: [tail.value], keptChars: tailChars };
      budget.left -= 1;
      const whole = tryParse(head);
      if (whole.ok && isObject(whole.value))
        return { values: [whole.value, tail.value], keptChars: text.length };
      const inner = recover(head, budget);
      return { values: [...inner.values, tail.value], keptChars: inner.keptChars + tailChars };
    }
    at = text.indexOf('{"', at + 1);
  }
  return { values: [], keptChars: 0 };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shorten(reason: string): string {
  return reason.length <= MAX_REASON_CHARS ? reason : `${reason.slice(0, MAX_REASON_CHARS - 1)}…`;
}
