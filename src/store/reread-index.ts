/**
 * Recognises lines of a file that is read again from the start (truncated, rewritten or replaced: editors,
 * sync tools and restores replace files with identical bytes) as lines already stored by an earlier
 * generation of the same file.
 *
 * The stored lines of earlier generations are hashed once into a map (48 bits of SHA-1 → record ids), so each
 * re-read line costs one map lookup and, on a hit, one byte comparison with the stored record: the re-read is
 * linear in the size of the file. (A per-line `raw = ?` query over the file's records was quadratic: 22 s for
 * a 20 MB session.) Nothing here is persisted; the map is rebuilt after a rollback or in a new process.
 */
import { createHash } from 'node:crypto';
import type { Db } from './db.js';

function key(raw: Buffer): number {
  return createHash('sha1').update(raw).digest().readUIntBE(0, 6);
}

export class RereadIndex {
  private file: { id: number; generation: number } | null = null;
  private readonly byHash = new Map<number, number[]>();
  /** Stored records compared byte for byte so far: stays at most one per hit (a test checks linearity). */
  compared = 0;
  private readonly st;

  constructor(db: Db) {
    this.st = {
      earlier: db.prepare('SELECT id, raw FROM records WHERE source_file_id = ? AND generation < ?'),
      raw: db.prepare('SELECT raw FROM records WHERE id = ?').pluck(),
    };
  }

  /** True when an earlier generation of this file stored exactly these bytes. */
  seen(fileId: number, generation: number, raw: Buffer): boolean {
    if (this.file?.id !== fileId || this.file.generation !== generation) this.load(fileId, generation);
    const ids = this.byHash.get(key(raw));
    if (!ids) return false;
    for (const id of ids) {
      this.compared++;
      if ((this.st.raw.get(id) as Buffer).equals(raw)) return true;
    }
    return false;
  }

  private load(fileId: number, generation: number): void {
    this.byHash.clear();
    for (const r of this.st.earlier.iterate(fileId, generation) as Iterable<{ id: number; raw: Buffer }>) {
      const k = key(r.raw);
      const ids = this.byHash.get(k);
      if (ids) ids.push(r.id);
      else this.byHash.set(k, [r.id]);
    }
    this.file = { id: fileId, generation };
  }

  discard(): void {
    this.file = null;
    this.byHash.clear();
  }
}
