/**
 * Showing matched words: bold colour on a terminal, visible «guillemets» on a pipe or with `NO_COLOR`, so the
 * match stays findable in a file or a `grep` of the output.
 */

export interface Marks {
  start: string;
  end: string;
}

const SGR = (codes: string) => `\u001b[${codes}m`;
const RESET = SGR('0');

/** Bold red, as `grep --color` shows matches. */
export const TERMINAL_MARKS: Marks = { start: SGR('1;31'), end: RESET };
export const PLAIN_MARKS: Marks = { start: '«', end: '»' };

/** `NO_COLOR` (https://no-color.org): present and not empty turns colour off. */
export function colorWanted(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  return isTTY && !env.NO_COLOR;
}

/** Terminal styles for the parts of a line, or none. */
export function paint(color: boolean) {
  const wrap = (codes: string) => (s: string) => (color ? `${SGR(codes)}${s}${RESET}` : s);
  return { session: wrap('33'), dim: wrap('2'), kind: wrap('36') };
}

/**
 * One line of snippet text: whitespace runs (newlines of code, indentation) become one space, and control
 * characters from the logs (a stray escape sequence in tool output) are shown as U+FFFD instead of being sent
 * to the terminal; then the match marks `from` become `to`.
 */
export function renderSnippet(snippet: string, from: Marks, to: Marks): string {
  const control = new RegExp(`[^\\P{Cc}${classChars(from.start)}${classChars(from.end)}]`, 'gu');
  return snippet
    .replace(/\s+/g, ' ')
    .trim()
    .replace(control, '\uFFFD')
    .replaceAll(from.start, to.start)
    .replaceAll(from.end, to.end);
}

function classChars(mark: string): string {
  return [...mark].map((c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).join('');
}
