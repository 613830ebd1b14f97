import fs from 'node:fs';
import path from 'node:path';
import { ASSISTANTS, type Assistant } from '../config/index.js';
import { discoverCopilot } from './copilot.js';
import type { DiscoveredFile, Discovery, DiscoveryProblem } from './file-context.js';
import { discoverGemini } from './gemini.js';
import { discoverOpenCode } from './opencode.js';
import { discoverPi } from './pi.js';
import { discoverQwen } from './qwen.js';
import { firstVisit, kindOf, listDir, notAFile, type Visited } from './walk.js';

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

type Discoverer = (dir: string, problems: DiscoveryProblem[]) => DiscoveredFile[];

/** Each agent's discovery, by the names of config/agents.ts. */
const DISCOVERERS: Record<Assistant, Discoverer> = {
  claude: discoverClaude,
  codex: discoverCodex,
  gemini: discoverGemini,
  opencode: discoverOpenCode,
  copilot: discoverCopilot,
  pi: discoverPi,
  qwen: discoverQwen,
};

/** Every agent's log files under its directory, agent by agent in the order of config/agents.ts. */
export function discoverAll(config: { dirs: Readonly<Record<Assistant, string>> }): Discovery {
  const problems: DiscoveryProblem[] = [];
  const files = ASSISTANTS.flatMap((a) => DISCOVERERS[a](config.dirs[a], problems));
  return { files, problems };
}
