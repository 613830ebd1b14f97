import fs from 'node:fs';
import path from 'node:path';
import type { FileContext } from '../parsers/types.js';

/** A log file found on disk, with what its path says about it. */
export interface DiscoveredFile {
  readonly path: string;
  readonly context: FileContext;
  /** `.jsonl.zst` cold copies are read whole and never appended to. */
  readonly compressed: boolean;
}

export interface DiscoveryProblem {
  readonly path: string;
  readonly reason: string;
}

export interface Discovery {
  readonly files: DiscoveredFile[];
  /** Directories or entries that could not be read: reported, never silently ignored. */
  readonly problems: DiscoveryProblem[];
}

function listDir(dir: string, problems: DiscoveryProblem[]): fs.Dirent[] {
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
type Kind = 'file' | 'dir' | 'other' | 'broken';

/**
 * Resolves a dirent that may be a symlink: `other` for FIFOs, sockets and devices (opening a FIFO would block
 * the reader), `broken` for loops (ELOOP) and dangling links.
 */
function kindOf(dir: string, entry: fs.Dirent): Kind {
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
type Visited = Set<string>;

function firstVisit(dir: string, visited: Visited): boolean {
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
function notAFile(full: string, kind: Exclude<Kind, 'file'>, problems: DiscoveryProblem[]): void {
  problems.push({ path: full, reason: `named like a session log but is ${NOT_A_FILE[kind]}; skipped` });
}

function stemOf(name: string): string {
  return name.replace(/\.jsonl(\.zst)?$/, '');
}

/** A root given by the user may be the assistant's home (`~/.claude`) or the log folder itself. */
function claudeProjectsRoot(claudeDir: string): string {
  const projects = path.join(claudeDir, 'projects');
  return fs.existsSync(projects) ? projects : claudeDir;
}

function claudeFile(file: string, role: 'main' | 'agent', parentSession: string | null): DiscoveredFile {
  const stem = stemOf(path.basename(file));
  return {
    path: file,
    compressed: false,
    context: {
      path: file,
      assistant: 'claude',
      role,
      stem,
      agentId: role === 'agent' ? stem.slice('agent-'.length) : null,
      parentSessionFromPath: parentSession,
    },
  };
}

/** `<session>/subagents/**` holds 2.1.x sub-agent transcripts, at any depth (workflow runs nest deeper). */
function walkSubagents(
  dir: string,
  session: string,
  out: DiscoveredFile[],
  problems: DiscoveryProblem[],
  visited: Visited,
  depth = 0,
) {
  if (depth > 8 || !firstVisit(dir, visited)) return;
  for (const entry of listDir(dir, problems)) {
    const kind = kindOf(dir, entry);
    const full = path.join(dir, entry.name);
    const named = /^agent-.+\.jsonl$/.test(entry.name);
    if (kind === 'dir') {
      if (named) notAFile(full, kind, problems);
      walkSubagents(full, session, out, problems, visited, depth + 1);
    } else if (kind === 'file' && named) out.push(claudeFile(full, 'agent', session));
    else if (kind !== 'file' && named) notAFile(full, kind, problems);
  }
}

/** Claude Code: `projects/<encoded-cwd>/{<session>,agent-*}.jsonl` and `<session>/subagents/**\/agent-*.jsonl`. */
export function discoverClaude(claudeDir: string, problems: DiscoveryProblem[]): DiscoveredFile[] {
  const root = claudeProjectsRoot(claudeDir);
  const out: DiscoveredFile[] = [];
  const visited: Visited = new Set();
  firstVisit(root, visited); // a project folder linked to the root itself is not walked again
  for (const project of listDir(root, problems)) {
    const projectDir = path.join(root, project.name);
    if (kindOf(root, project) !== 'dir' || !firstVisit(projectDir, visited)) continue;
    for (const entry of listDir(projectDir, problems)) {
      const kind = kindOf(projectDir, entry);
      const full = path.join(projectDir, entry.name);
      const named = entry.name.endsWith('.jsonl');
      if (kind === 'file' && named) {
        out.push(claudeFile(full, entry.name.startsWith('agent-') ? 'agent' : 'main', null));
      } else if (kind === 'dir') {
        if (named) notAFile(full, kind, problems);
        // Listed directly (a missing folder is not a problem): one readdir instead of exists + readdir.
        walkSubagents(path.join(full, 'subagents'), entry.name, out, problems, visited);
      } else if (kind !== 'file' && named) notAFile(full, kind, problems);
    }
  }
  return out;
}

function codexFile(file: string): DiscoveredFile {
  const compressed = file.endsWith('.zst');
  return {
    path: file,
    compressed,
    context: { path: file, assistant: 'codex', role: 'main', stem: stemOf(path.basename(file)) },
  };
}

function walkCodex(
  dir: string,
  out: DiscoveredFile[],
  problems: DiscoveryProblem[],
  visited: Visited,
  depth = 0,
) {
  if (depth > 6 || !firstVisit(dir, visited)) return;
  for (const entry of listDir(dir, problems)) {
    const kind = kindOf(dir, entry);
    const full = path.join(dir, entry.name);
    const named = /^rollout-.+\.jsonl(\.zst)?$/.test(entry.name);
    if (kind === 'dir') {
      if (named) notAFile(full, kind, problems);
      walkCodex(full, out, problems, visited, depth + 1);
    } else if (kind === 'file' && named) out.push(codexFile(full));
    else if (kind !== 'file' && named) notAFile(full, kind, problems);
  }
}

/** Codex: `sessions/YYYY/MM/DD/rollout-*.jsonl[.zst]` and `archived_sessions/`. */
export function discoverCodex(codexDir: string, problems: DiscoveryProblem[]): DiscoveredFile[] {
  const out: DiscoveredFile[] = [];
  const roots = ['sessions', 'archived_sessions']
    .map((d) => path.join(codexDir, d))
    .filter((d) => fs.existsSync(d));
  const visited: Visited = new Set();
  for (const root of roots.length > 0 ? roots : [codexDir]) walkCodex(root, out, problems, visited);
  // Rollout names start with their creation time, so a parent thread is read before the forks that replay it.
  return out.sort((a, b) => path.basename(a.path).localeCompare(path.basename(b.path)));
}

export function discoverAll(dirs: { claudeDir: string; codexDir: string }): Discovery {
  const problems: DiscoveryProblem[] = [];
  const files = [...discoverClaude(dirs.claudeDir, problems), ...discoverCodex(dirs.codexDir, problems)];
  return { files, problems };
}
