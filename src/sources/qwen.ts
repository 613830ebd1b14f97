/**
 * Qwen Code discovery (agents-formats.md §8): `<dir>/projects/<sanitized cwd>/chats/<sessionId>.jsonl`, and
 * sub-agent transcripts `<dir>/projects/<sanitized cwd>/subagents/<parentSessionId>/agent-<agentId>.jsonl`
 * beside an `agent-<agentId>.meta.json` that names the agent and the tool call that spawned it (seen in Qwen
 * Code 0.24.4). The directory given may be Qwen's home (`~/.qwen`) or its `projects/` folder itself. A chat
 * file is one session, named by its id; a sub-agent file is the agent's own session below its parent.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DiscoveredFile, DiscoveryProblem } from './file-context.js';
import { firstVisit, kindOf, listDir, notAFile, type Visited } from './walk.js';

function projectsRoot(dir: string): string {
  const projects = path.join(dir, 'projects');
  return fs.existsSync(projects) ? projects : dir;
}

function qwenFile(file: string): DiscoveredFile {
  return {
    path: file,
    compressed: false,
    context: { path: file, assistant: 'qwen', role: 'main', stem: path.basename(file, '.jsonl') },
  };
}

/** The agent id and spawning call a sub-agent's `.meta.json` names; nulls when it is absent or unreadable. */
function agentMeta(file: string): { agentId: string | null; toolUseId: string | null; model: string | null } {
  try {
    const meta = JSON.parse(fs.readFileSync(file.replace(/\.jsonl$/, '.meta.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
    return { agentId: text(meta.agentId), toolUseId: text(meta.toolUseId), model: text(meta.model) };
  } catch {
    return { agentId: null, toolUseId: null, model: null };
  }
}

function qwenAgentFile(file: string, parentSession: string): DiscoveredFile {
  const stem = path.basename(file, '.jsonl');
  const meta = agentMeta(file);
  return {
    path: file,
    compressed: false,
    context: {
      path: file,
      assistant: 'qwen',
      role: 'agent',
      stem,
      agentId: meta.agentId ?? stem.replace(/^agent-/, ''),
      parentSessionFromPath: parentSession,
      spawnedByToolUseId: meta.toolUseId,
      model: meta.model,
    },
  };
}

/** `subagents/<parentSessionId>/agent-*.jsonl` of one project folder. */
function walkSubagents(
  projectDir: string,
  out: DiscoveredFile[],
  problems: DiscoveryProblem[],
  visited: Visited,
) {
  const root = path.join(projectDir, 'subagents');
  if (!fs.existsSync(root) || !firstVisit(root, visited)) return;
  for (const parent of listDir(root, problems)) {
    if (kindOf(root, parent) !== 'dir') continue;
    const dir = path.join(root, parent.name);
    if (!firstVisit(dir, visited)) continue;
    for (const entry of listDir(dir, problems)) {
      if (!/^agent-.+\.jsonl$/.test(entry.name)) continue;
      const kind = kindOf(dir, entry);
      const full = path.join(dir, entry.name);
      if (kind === 'file') out.push(qwenAgentFile(full, parent.name));
      else notAFile(full, kind, problems);
    }
  }
}

export function discoverQwen(dir: string, problems: DiscoveryProblem[]): DiscoveredFile[] {
  const root = projectsRoot(dir);
  const out: DiscoveredFile[] = [];
  const visited: Visited = new Set();
  firstVisit(root, visited);
  for (const project of listDir(root, problems)) {
    const projectDir = path.join(root, project.name);
    if (kindOf(root, project) !== 'dir') continue;
    walkSubagents(projectDir, out, problems, visited);
    const chats = path.join(projectDir, 'chats');
    // A project folder without chats/ (Qwen keeps other state there too) is not a problem; listed directly.
    if (!fs.existsSync(chats) || !firstVisit(chats, visited)) continue;
    for (const entry of listDir(chats, problems)) {
      const kind = kindOf(chats, entry);
      const full = path.join(chats, entry.name);
      if (!entry.name.endsWith('.jsonl')) continue;
      if (kind === 'file') out.push(qwenFile(full));
      else notAFile(full, kind, problems);
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}
