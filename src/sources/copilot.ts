/**
 * GitHub Copilot CLI discovery (agents-formats.md §4): `<dir>/session-state/<uuid>/events.jsonl` (≥ 1.0.11) and
 * flat `<dir>/session-state/<id>.jsonl` (≤ 1.0.10). The directory given may be Copilot's home (`~/.copilot`)
 * or its `session-state/` folder itself. The context's `stem` is the session id the path names (the directory
 * of an `events.jsonl`, the flat file's stem): the parser keys the session by it when no `session.start`
 * comes first, so both layouts of one session get one key.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DiscoveredFile, DiscoveryProblem } from './file-context.js';
import { kindOf, listDir, notAFile } from './walk.js';

function stateRoot(dir: string): string {
  const state = path.join(dir, 'session-state');
  return fs.existsSync(state) ? state : dir;
}

function copilotFile(file: string, sessionId: string): DiscoveredFile {
  return {
    path: file,
    compressed: false,
    context: { path: file, assistant: 'copilot', role: 'main', stem: sessionId },
  };
}

/** What `events.jsonl` is, following a link; null when there is none (a session without a log yet). */
function eventsKind(file: string): 'file' | 'dir' | 'other' | 'broken' | null {
  try {
    const st = fs.statSync(file);
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
  } catch {
    try {
      fs.lstatSync(file);
      return 'broken'; // a link that cannot be followed
    } catch {
      return null;
    }
  }
}

export function discoverCopilot(dir: string, problems: DiscoveryProblem[]): DiscoveredFile[] {
  const root = stateRoot(dir);
  const out: DiscoveredFile[] = [];
  for (const entry of listDir(root, problems)) {
    const full = path.join(root, entry.name);
    const kind = kindOf(root, entry);
    if (kind === 'dir') {
      // A session directory also holds workspace.yaml and session.db; only events.jsonl is the log.
      const events = path.join(full, 'events.jsonl');
      const found = eventsKind(events);
      if (found === 'file') out.push(copilotFile(events, entry.name));
      else if (found !== null) notAFile(events, found, problems);
    } else if (entry.name.endsWith('.jsonl')) {
      if (kind === 'file') out.push(copilotFile(full, path.basename(entry.name, '.jsonl')));
      else notAFile(full, kind, problems);
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}
