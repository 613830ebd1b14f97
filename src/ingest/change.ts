import fs from 'node:fs';
import { type ByteSource, fingerprintSource, hashPrefix } from '../reader/index.js';
import type { SourceFileRow } from '../store/index.js';

/**
 * How a file changed since it was last read (STYLE.md rule 6: named outcomes, never guesses in a loop).
 * - `unchanged`: same size, mtime and inode; decided from one `stat`, the file is not opened.
 * - `new`: never seen, no stored file shares its fingerprint.
 * - `moved`: never seen at this path, but a stored file whose path is gone has the same fingerprint
 *   (Codex `archived_sessions/`, `.jsonl.zst` cold copies): it keeps its checkpoint and record identities.
 * - `appended`: same start, grown or touched: reading resumes at the checkpoint.
 * - `truncated`: shorter than the checkpoint; `rewritten`: same inode, different start; `replaced`: a
 *   different inode at the path. All three re-read from offset 0, and lines already stored are skipped.
 */
export type Change =
  | { kind: 'unchanged' }
  | { kind: 'new' }
  | { kind: 'moved'; from: SourceFileRow }
  | { kind: 'appended' }
  | { kind: 'truncated' | 'rewritten' | 'replaced' };

export function isUnchanged(
  row: Pick<SourceFileRow, 'size' | 'mtime_ms' | 'ino'> | undefined,
  st: fs.Stats,
): boolean {
  return row !== undefined && row.size === st.size && row.mtime_ms === st.mtimeMs && row.ino === st.ino;
}

/** Classifies an opened file against what the store remembers of its path. */
export function classify(
  row: SourceFileRow | undefined,
  st: fs.Stats,
  src: ByteSource,
  movedCandidates: (hash: string) => SourceFileRow[],
): Change {
  if (row === undefined) {
    const fp = fingerprintSource(src);
    if (fp.kind === 'ok') {
      const from = movedCandidates(fp.hash).find((r) => r.missing === 1 || !fs.existsSync(r.path));
      if (from) return { kind: 'moved', from };
    }
    return { kind: 'new' };
  }
  if (isUnchanged(row, st)) return { kind: 'unchanged' };
  // A new inode may hold anything (an editor's atomic save, a restored copy): re-read it, deduplicated.
  if (row.ino !== st.ino) return { kind: 'replaced' };
  if (src.size < row.checkpoint_offset) return { kind: 'truncated' };
  if (row.fp_hash !== null && !sameStart(row, src)) return { kind: 'rewritten' };
  return { kind: 'appended' };
}

function sameStart(row: SourceFileRow, src: ByteSource): boolean {
  const fp = hashPrefix(src, row.fp_bytes);
  return fp.kind === 'ok' && fp.hash === row.fp_hash;
}
