/** The two UUID parsers CatSyphon uses: pydantic's (body/path/query fields) and Python's `uuid.UUID` (auth header). */

/** Canonical lowercase hyphenated form of 32 hex digits. */
function hyphenate(hex32: string): string {
  const h = hex32.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Python `uuid.UUID(s)` (used for `X-Collector-ID`); null where it raises ValueError. */
export function parsePythonUuid(s: string): string | null {
  let h = s.replaceAll('urn:', '').replaceAll('uuid:', '');
  h = h.replace(/^[{}]+|[{}]+$/g, '').replaceAll('-', '');
  if (h.length !== 32) return null;
  // int(h, 16): surrounding whitespace, a sign, a 0x prefix and single underscores between digits are allowed
  const m = /^\s*\+?(?:0[xX]_?)?([0-9a-fA-F](?:_?[0-9a-fA-F])*)\s*$/.exec(h);
  if (!m?.[1]) return null;
  return hyphenate(m[1].replaceAll('_', '').padStart(32, '0'));
}

/** pydantic (uuid crate) parsing: the canonical form, or the error text pydantic shows after "valid UUID, ". */
export function parsePydanticUuid(input: string): { ok: true; value: string } | { ok: false; error: string } {
  let s = input;
  let offset = 0;
  if (s.length === 45 && s.startsWith('urn:uuid:')) {
    s = s.slice(9);
    offset = 9;
  } else if (s.length === 38 && s.startsWith('{') && s.endsWith('}')) {
    s = s.slice(1, -1);
    offset = 1;
  }
  for (let i = 0; i < s.length; i++) {
    if (!/[0-9a-fA-F-]/.test(s[i] as string)) {
      return {
        ok: false,
        error: `invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-fA-F-], found \`${s[i]}\` at ${i + offset + 1}`,
      };
    }
  }
  if (!s.includes('-')) {
    if (s.length !== 32)
      return { ok: false, error: `invalid length: expected length 32 for simple format, found ${s.length}` };
    return { ok: true, value: hyphenate(s) };
  }
  const groups = s.split('-');
  if (groups.length !== 5)
    return { ok: false, error: `invalid group count: expected 5, found ${groups.length}` };
  const want = [8, 4, 4, 4, 12];
  for (let g = 0; g < 5; g++) {
    const len = (groups[g] as string).length;
    if (len !== want[g]) {
      return { ok: false, error: `invalid group length in group ${g}: expected ${want[g]}, found ${len}` };
    }
  }
  return { ok: true, value: hyphenate(groups.join('')) };
}
