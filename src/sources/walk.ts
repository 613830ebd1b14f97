/**
 * Walking log directories safely, for every agent's discovery: unreadable directories are reported, symlinks
 * are followed once (loops and dangling links are reported, never walked twice), and a name that looks like
 * a log but is not a regular file is reported instead of read.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DiscoveryProblem } from './file-context.js';

export function listDir(dir: string, problems: DiscoveryProblem[]): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A missing root just means the assistant is not installed; anything else is worth telling.
    if (code !== 'ENOENT') problems.push({ path: dir, reason: `cannot list directory (${code ?? err})` });
    return [];
  }
}

/** What a directory entry is once symlinks are followed; `broken` is a link loop or a dangling link. */
export type Kind = 'file' | 'dir' | 'other' | 'broken';

/**
 * Resolves a dirent that may be a symlink: `other` for FIFOs, sockets and devices (opening a FIFO would block
 * the reader), `broken` for loops (ELOOP) and dangling links.
 */
export function kindOf(dir: string, entry: fs.Dirent): Kind {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'dir';
  if (!entry.isSymbolicLink()) return 'other';
  try {
    const st = fs.statSync(path.join(dir, entry.name));
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
  } catch {
    return 'broken';
  }
}

/**
 * Directories already walked, by device and inode: a symlink to an ancestor (`loop -> ..`) or a chain of links
 * would otherwise be walked again under a new path, finding the same files under several names, until the
 * depth cap. Symlinked directories are still followed once (people link project folders in).
 */
export type Visited = Set<string>;

export function firstVisit(dir: string, visited: Visited): boolean {
  let key: string;
  try {
    const st = fs.statSync(dir);
    key = `${st.dev}:${st.ino}`;
  } catch {
    return true; // listDir reports what is wrong with it
  }
  if (visited.has(key)) return false;
  visited.add(key);
  return true;
}

const NOT_A_FILE: Record<Exclude<Kind, 'file'>, string> = {
  dir: 'a directory',
  other: 'not a regular file (FIFO, socket or device)',
  broken: 'a symbolic link that cannot be followed (a loop or a dangling link)',
};

/** A name that looks like a log but is not a readable regular file is reported, never read or ignored. */
export function notAFile(full: string, kind: Exclude<Kind, 'file'>, problems: DiscoveryProblem[]): void {
  problems.push({ path: full, reason: `named like a session log but is ${NOT_A_FILE[kind]}; skipped` });
}
