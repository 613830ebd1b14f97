/**
 * Turns what a user types into an FTS5 query. Typed text is never FTS5 syntax by default: every word is
 * quoted, so `foo.bar()`, `don't` or `a AND` search for their words instead of failing with a syntax error.
 *
 * - `foo bar`: messages holding both words, anywhere (each word is one quoted string: `"foo" "bar"`).
 * - `foo.bar()`: one quoted string, which FTS5 splits into the phrase `foo bar` (the words next to each other).
 * - `"two words"`: the phrase, as typed between the double quotes (an unclosed quote runs to the end).
 * - `refact*`: words starting with `refact` (a trailing `*` after at least one letter or digit).
 */

export class SearchQueryError extends Error {
  override name = 'SearchQueryError';
}

/** Characters FTS5's unicode61 tokenizer keeps in words: letters, digits and private-use characters. */
const WORD_CHAR = /[\p{L}\p{N}\p{Co}]/u;

function quote(term: string): string {
  return `"${term.replaceAll('"', '""')}"`;
}

/** Splits on whitespace, keeping double-quoted stretches together (without their quotes). */
function terms(text: string): { text: string; phrase: boolean }[] {
  const out: { text: string; phrase: boolean }[] = [];
  const re = /"([^"]*)("|$)|(\S+)/gu;
  for (const m of text.matchAll(re)) {
    if (m[3] !== undefined) out.push({ text: m[3], phrase: false });
    else out.push({ text: m[1] ?? '', phrase: true });
  }
  return out;
}

/** The FTS5 MATCH expression for a typed query; throws `SearchQueryError` when it holds no word at all. */
export function matchExpression(query: string): string {
  const parts: string[] = [];
  for (const t of terms(query)) {
    if (!WORD_CHAR.test(t.text)) continue;
    const prefix = !t.phrase && t.text.endsWith('*') && WORD_CHAR.test(t.text.slice(0, -1));
    // A word glued to a quote (`foo"bar`) keeps the quote as a separator, which is what FTS5 makes of it.
    parts.push(prefix ? `${quote(t.text.slice(0, -1))}*` : quote(t.text));
  }
  if (parts.length === 0) {
    throw new SearchQueryError(
      `search: "${query}" has no letters or digits to search for; type at least one word`,
    );
  }
  return parts.join(' ');
}
