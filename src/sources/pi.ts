/**
 * pi discovery (agents-formats.md §5): `<agent dir>/sessions/--<encoded cwd>--/<ISO ts>_<uuid>.jsonl`, one file
 * per session. The directory given may be pi's agent dir (`~/.pi/agent`, `PI_CODING_AGENT_DIR`) or its
 * `sessions` folder itself. A custom `--session-dir` holds the files flat, so `.jsonl` files directly in the
 * root are taken too.
 *
 * Order: by file name, then path. pi names files by their creation time, so a session is read before the
 * forks that copy its history (`parentSession`): the copies are then recognised as already stored.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DiscoveredFile, DiscoveryProblem } from './file-context.js';
import { firstVisit, kindOf, listDir, notAFile, type Visited } from './walk.js';

const SESSION_FILE = /\.jsonl$/;

function sessionsRoot(piDir: string): string {
  const sessions = path.join(piDir, 'sessions');
  return fs.existsSync(sessions) ? sessions : piDir;
}

function piFile(file: string): DiscoveredFile {
  return {
    path: file,
    compressed: false,
    context: {
      path: file,
      assistant: 'pi',
      role: 'main',
      stem: path.basename(file).replace(SESSION_FILE, ''),
    },
  };
}

/** The session files of one folder; sub-folders are returned for the caller to walk (one level only). */
function scan(dir: string, out: DiscoveredFile[], problems: DiscoveryProblem[]): string[] {
  const dirs: string[] = [];
  for (const entry of listDir(dir, problems)) {
    const kind = kindOf(dir, entry);
    const full = path.join(dir, entry.name);
    const named = SESSION_FILE.test(entry.name);
    if (kind === 'file' && named) out.push(piFile(full));
    else if (kind === 'dir') {
      if (named) notAFile(full, kind, problems);
      dirs.push(full);
    } else if (kind !== 'file' && named) notAFile(full, kind, problems);
  }
  return dirs;
}

export function discoverPi(piDir: string, problems: DiscoveryProblem[]): DiscoveredFile[] {
  const root = sessionsRoot(piDir);
  const out: DiscoveredFile[] = [];
  const visited: Visited = new Set();
  firstVisit(root, visited); // a project folder linked to the root itself is not walked again
  for (const project of scan(root, out, problems)) {
    if (!firstVisit(project, visited)) continue;
    // pi keeps no deeper folders; anything below a project folder is not a session of it.
    scan(project, out, problems);
  }
  return out.sort((a, b) => compare(path.basename(a.path), path.basename(b.path)) || compare(a.path, b.path));
}

/** Code-unit order: the same on every machine, whatever the locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
