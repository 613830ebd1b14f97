/**
 * A small glob matcher for `include_projects` / `exclude_projects` (node 20's `path.matchesGlob` is still
 * experimental there). `*` matches within one path segment, `**` across segments, `?` one character other
 * than `/`; everything else is literal. A pattern also matches everything below what it matches, so
 * `~/work/client-*` covers `~/work/client-a/src` (a session started in a subfolder is still that project).
 */

function literal(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

export function globToRegExp(glob: string): RegExp {
  let re = '';
  // A trailing `/` or `/**` adds nothing: what a pattern matches already covers the folders below it.
  const g = glob.length > 1 ? glob.replace(/(?:\/\*\*)+\/*$|\/+$/, '') || '/' : glob;
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*' && g[i + 1] === '*') {
      // `**/` also matches no folder at all (`a/**/b` covers `a/b`).
      if (g[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += literal(c);
  }
  return new RegExp(`^${re}(?:/.*)?$`);
}

/** Compiled once per configuration: the first pattern that matches `dir`, or null. */
export function globMatcher(globs: readonly string[]): (dir: string) => string | null {
  const compiled = globs.map((g) => ({ glob: g, re: globToRegExp(g) }));
  return (dir) => compiled.find((c) => c.re.test(dir))?.glob ?? null;
}
