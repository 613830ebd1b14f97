/**
 * Counts and sizes as every command prints them (issue 11, item 16): the noun in the right number, thousands
 * separators, and one unit system for sizes. Binary units with their binary labels (KiB, MiB, GiB) because
 * SQLite pages, the chunk limit (2 MiB) and the server's body limit (1 MiB) are all powers of two.
 */

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * A count with its noun in the right number: `1 warning`, `2 warnings`, `1,204 lines`. Irregular plurals
 * are passed in: `plural(n, 'entry', 'entries')`.
 */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(n)} ${n === 1 ? singular : pluralForm}`;
}

/** One decimal in the largest binary unit below the size (`12.3 MiB`); below 1 KiB in bytes (`1 byte`). */
export function formatBytes(n: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (n < 1024) return plural(n, 'byte');
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** 1 MiB, for counters that show a size without a label of their own (the progress bar labels it once). */
export const MIB = 1024 * 1024;
