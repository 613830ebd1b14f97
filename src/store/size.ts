import fs from 'node:fs';

export interface DatabaseSize {
  path: string;
  /** The main database file. */
  bytes: number;
  /** The write-ahead log beside it (`-wal`): committed data not yet checkpointed into the main file. */
  walBytes: number;
  /** What the database occupies on disk: both together. */
  totalBytes: number;
}

/** On-disk size of the database at `file` (the `-shm` index is a few KiB of shared memory and not counted). */
export function databaseSize(file: string): DatabaseSize {
  const size = (p: string) => {
    try {
      return fs.statSync(p).size;
    } catch {
      return 0;
    }
  };
  const bytes = size(file);
  const walBytes = size(`${file}-wal`);
  return { path: file, bytes, walBytes, totalBytes: bytes + walBytes };
}
