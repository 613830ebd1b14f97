/** Small numeric helpers for the bench figures. */

export function median(xs: number[]): number {
  return percentile(xs, 50);
}

/** Nearest-rank percentile (p in 0–100) of a non-empty list. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

export const MB = 1e6;
export const MiB = 1024 * 1024;

export function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

export function mbps(bytes: number, ms: number): number {
  return bytes / MB / (ms / 1000);
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
