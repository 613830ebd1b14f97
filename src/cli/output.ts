/** Rendering shared by the commands: stable JSON for scripts, compact tables for people. */

export interface Out {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
}

export const processOut: Out = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  isTTY: process.stdout.isTTY === true && process.stderr.isTTY === true,
};

export function printJson(out: Out, value: unknown): void {
  out.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** A left-aligned text table; numbers are right-aligned. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => String(c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r, ri) =>
      r
        .map((c, i) =>
          ri > 0 && typeof rows[ri - 1]?.[i] === 'number' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

// Counts and sizes live beside the log module so `doctor` prints them the same way (src/units.ts).
export { formatBytes, formatCount, MIB, plural } from '../units.js';

/** `2026-11-27T10:01:02.345Z` → `2026-11-27 10:01` (UTC), empty for unknown. */
export function shortTime(iso: string | null): string {
  return iso ? iso.replace('T', ' ').slice(0, 16) : '';
}

export function truncate(s: string, max: number): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
