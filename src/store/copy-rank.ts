/**
 * Which session owns a record that several session files hold (Claude Code 1.0.x–2.0.x `--resume` and
 * `--continue` started a new file with copies of earlier records, same uuid and timestamp, new sessionId).
 *
 * The rule is a pure function of the files, so it gives the same owner whatever order the files are read in,
 * and again after the database is rebuilt: the copy in the file whose first record is the oldest wins, and
 * between files that start at the same instant, the smaller session id. A file's first record never changes
 * once written (logs grow at the end), so a rank, once known, is final.
 *
 * The cache holds committed first timestamps plus those of the transaction in progress; `discard()` after a
 * rollback.
 */
import type { Db } from './db.js';

/** Records read to find a file's first timestamp: metadata lines without one come first in some files. */
const SCAN_RECORDS = 64;

export interface CopyHolder {
  fileId: number;
  sessionId: string;
}

export class CopyRank {
  private readonly first = new Map<number, string | null>();
  private readonly st;

  constructor(db: Db) {
    this.st = {
      records: db
        .prepare('SELECT raw FROM records WHERE source_file_id = ? ORDER BY line_no, id LIMIT ?')
        .pluck(),
      fileOf: db.prepare('SELECT source_file_id FROM records WHERE id = ?').pluck(),
    };
  }

  /** The file whose stored record `recordId` is. */
  fileOf(recordId: number): number | undefined {
    return this.st.fileOf.get(recordId) as number | undefined;
  }

  /**
   * True when `a` outranks `b`: its file starts earlier, or at the same instant with a smaller session id.
   * `a` is the holder being written; `aLineTimestamp` is its current line's, which is its file's first when
   * nothing of that file is stored yet.
   */
  outranks(a: CopyHolder, aLineTimestamp: string | null, b: CopyHolder): boolean {
    const ta = this.firstTimestamp(a.fileId) ?? aLineTimestamp ?? '\uffff';
    const tb = this.firstTimestamp(b.fileId) ?? '\uffff';
    if (ta !== tb) return ta < tb;
    return a.sessionId < b.sessionId;
  }

  private firstTimestamp(fileId: number): string | null {
    const known = this.first.get(fileId);
    if (known != null) return known;
    let found: string | null = null;
    for (const raw of this.st.records.all(fileId, SCAN_RECORDS) as Buffer[]) {
      found = timestampOf(raw);
      if (found !== null) break;
    }
    if (found !== null) this.first.set(fileId, found);
    return found;
  }

  discard(): void {
    this.first.clear();
  }
}

function timestampOf(raw: Buffer): string | null {
  try {
    const v = JSON.parse(raw.toString('utf8')) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const ts = (v as Record<string, unknown>).timestamp;
      if (typeof ts === 'string' && !Number.isNaN(Date.parse(ts))) return ts;
    }
  } catch {
    // an unparsable line has no timestamp
  }
  return null;
}
