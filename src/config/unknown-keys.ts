/**
 * Unknown sections and keys in `config.toml`, each named with its line and the nearest valid name. A typo
 * (`[colector]`, `sever_url`) must stop the program: silently ignored, it leaves a setting at its default
 * while the user believes it applies (issue 11, item 9).
 */
import { nearest } from './suggest.js';

/** Every section and the keys it accepts. */
export type KnownKeys = Readonly<Record<string, readonly string[]>>;

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The 0-based index of the `[section]` header line, or -1. */
function headerIndex(lines: readonly string[], section: string): number {
  const re = new RegExp(`^\\s*\\[\\s*["']?${escapeRegExp(section)}["']?\\s*\\]`);
  return lines.findIndex((l) => re.test(l));
}

/** The 1-based line of `[section]` (or `[section.sub]`, or a dotted `section.key =`), or null. */
function sectionLine(lines: readonly string[], section: string): number | null {
  const s = escapeRegExp(section);
  const re = new RegExp(`^\\s*(\\[\\s*["']?${s}["']?\\s*[\\].]|["']?${s}["']?\\s*\\.)`);
  const i = lines.findIndex((l) => re.test(l));
  return i === -1 ? null : i + 1;
}

/** The 1-based line of `key =` under `[section]` (or above the first header when section is null), or null. */
function keyLine(lines: readonly string[], section: string | null, key: string): number | null {
  let i = 0;
  if (section !== null) {
    i = headerIndex(lines, section) + 1;
    if (i === 0) return null;
  }
  const re = new RegExp(`^\\s*["']?${escapeRegExp(key)}["']?\\s*[=.]`);
  for (; i < lines.length; i++) {
    if (/^\s*\[/.test(lines[i]!)) break;
    if (re.test(lines[i]!)) return i + 1;
  }
  return null;
}

const at = (line: number | null) => (line === null ? '' : ` (line ${line})`);

function sectionsList(known: KnownKeys): string {
  return Object.keys(known)
    .map((s) => `[${s}]`)
    .join(', ');
}

/** The section other than `except` that has `key`, if any: `poll_ms` written under the wrong header. */
function homeOf(key: string, known: KnownKeys, except?: string): string | null {
  return Object.keys(known).find((s) => s !== except && known[s]!.includes(key)) ?? null;
}

function unknownTopLevel(key: string, value: unknown, known: KnownKeys, lines: readonly string[]): string {
  const sections = Object.keys(known);
  if (isTable(value)) {
    const guess = nearest(key, sections);
    return (
      `[${key}]${at(sectionLine(lines, key))}: not a section aiobscura knows; ` +
      (guess ? `did you mean [${guess}]? ` : '') +
      `the sections are ${sectionsList(known)}`
    );
  }
  const home = homeOf(key, known);
  if (home)
    return `${key}${at(keyLine(lines, null, key))}: belongs in the [${home}] section (write it below [${home}])`;
  const guess = nearest(key, sections);
  return (
    `${key}${at(keyLine(lines, null, key))}: unknown key at the top level; ` +
    (guess ? `did you mean the [${guess}] section? ` : '') +
    `every key belongs in one of ${sectionsList(known)}`
  );
}

function unknownInSection(section: string, key: string, known: KnownKeys, lines: readonly string[]): string {
  const keys = known[section]!;
  const guess = nearest(key, keys);
  const home = guess ? null : homeOf(key, known, section);
  const hint = guess
    ? `did you mean ${section}.${guess}?`
    : home
      ? `${key} belongs in the [${home}] section`
      : `the keys of [${section}] are ${keys.join(', ')}`;
  return `${section}.${key}${at(keyLine(lines, section, key))}: unknown key; ${hint}`;
}

/** One message per unknown section or key, in file order of the parsed object. */
export function unknownKeyProblems(raw: Record<string, unknown>, known: KnownKeys, text: string): string[] {
  const lines = text.split(/\r?\n/);
  const problems: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (!Object.hasOwn(known, key)) {
      problems.push(unknownTopLevel(key, value, known, lines));
      continue;
    }
    // A section that is not a table is a type error, which the schema reports.
    if (!isTable(value)) continue;
    for (const inner of Object.keys(value)) {
      if (!known[key]!.includes(inner)) problems.push(unknownInSection(key, inner, known, lines));
    }
  }
  return problems;
}
