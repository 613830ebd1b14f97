/**
 * Gemini CLI discovery (agents-formats.md §2): `~/.gemini/tmp/<project>/chats/session-*.jsonl` (a session)
 * and `chats/<parent session id>/<session id>.jsonl` (a sub-agent of that session). The project folder's
 * `.project_root` holds the project's absolute path, the only place the cwd is written.
 *
 * The directory given may be the Gemini home (`~/.gemini`), its `tmp` folder, a project folder or its
 * `chats` folder. Not listed: the `.tmp-*` and `.unreadable-*` leftovers of Gemini CLI's atomic rewrite.
 * A legacy `chats/session-*.json` (≤ 0.38, one JSON document rewritten whole) is listed with `format: 'json'`
 * (reader/gemini-json-source.ts renders it as JSONL), unless it has a `.jsonl` twin: resuming such a session
 * in Gemini CLI ≥ 0.39 copies it whole to `<name>.jsonl`, which is then the one read.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DiscoveredFile, DiscoveryProblem } from './file-context.js';
import { firstVisit, kindOf, listDir, notAFile, type Visited } from './walk.js';

const MAIN = /^session-.+\.jsonl$/;
const LEGACY = /^session-.+\.json$/;
const AGENT = /^.+\.jsonl$/;
/** Gemini CLI's temporary and set-aside copies: never the live session file. */
const LEFTOVER = /\.(?:tmp|unreadable)-/;

interface Project {
  dir: string;
  projectPath: string | null;
}

/** `.project_root`, trimmed; absent or empty means the path is unknown (older hash-named folders). */
function projectRoot(dir: string, problems: DiscoveryProblem[]): string | null {
  const file = path.join(dir, '.project_root');
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    return text.length > 0 ? text : null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR')
      problems.push({ path: file, reason: `cannot read (${code ?? err})` });
    return null;
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The project folders under the directory the user gave (see the header for what it may be). */
function projectDirs(geminiDir: string, problems: DiscoveryProblem[], visited: Visited): string[] {
  if (path.basename(geminiDir) === 'chats') return [path.dirname(geminiDir)];
  if (isDir(path.join(geminiDir, 'chats'))) return [geminiDir];
  const tmp = path.join(geminiDir, 'tmp');
  const root = isDir(tmp) ? tmp : geminiDir;
  firstVisit(root, visited); // a project folder linked to the root itself is not walked again
  const out: string[] = [];
  for (const entry of listDir(root, problems)) {
    const dir = path.join(root, entry.name);
    if (kindOf(root, entry) === 'dir' && firstVisit(dir, visited)) out.push(dir);
  }
  return out;
}

function geminiFile(
  file: string,
  project: Project,
  parent: string | null,
  format: 'jsonl' | 'json' = 'jsonl',
): DiscoveredFile {
  return {
    path: file,
    compressed: false,
    context: {
      path: file,
      assistant: 'gemini',
      role: parent === null ? 'main' : 'agent',
      stem: path.basename(file).replace(/\.jsonl?$/, ''),
      parentSessionFromPath: parent,
      format,
      projectPath: project.projectPath,
    },
  };
}

/** `chats/<parent session id>/<session id>.jsonl`. */
function walkAgents(
  dir: string,
  parent: string,
  project: Project,
  out: DiscoveredFile[],
  problems: DiscoveryProblem[],
) {
  for (const entry of listDir(dir, problems)) {
    if (!AGENT.test(entry.name) || LEFTOVER.test(entry.name)) continue;
    const kind = kindOf(dir, entry);
    const full = path.join(dir, entry.name);
    if (kind === 'file') out.push(geminiFile(full, project, parent));
    else notAFile(full, kind, problems);
  }
}

function walkChats(dir: string, out: DiscoveredFile[], problems: DiscoveryProblem[], visited: Visited) {
  const chats = path.join(dir, 'chats');
  const entries = listDir(chats, problems);
  // Read only for folders that hold chats: `tmp/` also has `bin/` and other non-project folders.
  if (entries.length === 0) return;
  const project: Project = { dir, projectPath: projectRoot(dir, problems) };
  const names = new Set(entries.map((e) => e.name));
  for (const entry of entries) {
    if (LEFTOVER.test(entry.name)) continue;
    const kind = kindOf(chats, entry);
    const full = path.join(chats, entry.name);
    if (kind === 'dir') {
      if (MAIN.test(entry.name)) notAFile(full, kind, problems);
      else if (firstVisit(full, visited)) walkAgents(full, entry.name, project, out, problems);
    } else if (MAIN.test(entry.name)) {
      if (kind === 'file') out.push(geminiFile(full, project, null));
      else notAFile(full, kind, problems);
    } else if (LEGACY.test(entry.name) && !names.has(`${entry.name}l`)) {
      // A resumed legacy session's `.jsonl` twin holds all of it and more: only the twin is read.
      if (kind === 'file') out.push(geminiFile(full, project, null, 'json'));
      else notAFile(full, kind, problems);
    }
  }
}

export function discoverGemini(geminiDir: string, problems: DiscoveryProblem[]): DiscoveredFile[] {
  const out: DiscoveredFile[] = [];
  const visited: Visited = new Set();
  for (const dir of projectDirs(geminiDir, problems, visited)) {
    walkChats(dir, out, problems, visited);
  }
  // Deterministic order; a session's own file (`chats/session-…`) sorts apart from its sub-agents' folder.
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
