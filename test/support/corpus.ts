import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file holding package.json (works from src and dist). */
export const REPO_ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();

/** `../shared/corpus` beside the repository, as CI lays it out. Read in place, never copied into the repo. */
export const CORPUS_DIR = path.resolve(REPO_ROOT, '../shared/corpus');

export function walkFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walkFiles(full));
    else if (e.isFile()) out.push(full);
  }
  return out.sort();
}

/** Codex files in the corpus, told apart by their first record rather than by folder guesses. */
export function isCodexFile(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const first = buf.subarray(0, n).toString('utf8').split('\n')[0] ?? '';
    return /"type":"session_meta"|"record_type"|^\{"id":"[^"]+","timestamp"|"type":"response_item"|"type":"event_msg"|"type":"turn_context"/.test(
      first,
    );
  } finally {
    fs.closeSync(fd);
  }
}

/** The agents whose samples the corpus holds (SOURCES.md), by where they sit. */
const OTHER_AGENTS: [RegExp, 'gemini' | 'copilot' | 'opencode' | 'pi' | 'qwen'][] = [
  [/^agent-sessions\/Resources\/Fixtures\/stage0\/agents\/gemini\//, 'gemini'],
  [/^codemie-code\/.*\/gemini\//, 'gemini'],
  [/^agent-sessions\/Resources\/Fixtures\/stage0\/agents\/copilot\//, 'copilot'],
  [/^agent-sessions\/Resources\/Fixtures\/stage0\/agents\/opencode\//, 'opencode'],
  [/^codemie-code\/.*\/opencode\//, 'opencode'],
  [/^agent-sessions\/Resources\/Fixtures\/stage0\/agents\/pi\//, 'pi'],
  [/^pi-mono\//, 'pi'],
  [/^agent-sessions\/Resources\/Fixtures\/stage0\/agents\/qwen\//, 'qwen'],
];

export type CorpusAssistant = 'claude' | 'codex' | 'gemini' | 'copilot' | 'opencode' | 'pi' | 'qwen';

/** Which agent wrote a corpus file: the other agents by folder, then Codex by its first record, else Claude. */
export function corpusAssistant(file: string): CorpusAssistant {
  const rel = path.relative(CORPUS_DIR, file);
  for (const [re, agent] of OTHER_AGENTS) if (re.test(rel)) return agent;
  return isCodexFile(file) || /codex/i.test(rel) ? 'codex' : 'claude';
}

export interface CorpusTree {
  root: string;
  claudeDir: string;
  codexDir: string;
  /** Corpus file → the link that sync sees. */
  links: Map<string, string>;
}

/**
 * Lays the Claude Code and Codex files of the corpus out the way those agents do, with symbolic links into
 * `../shared/corpus`:
 * Claude files under `projects/<source-dir>/` (keeping `<session>/subagents/**`), Codex files as
 * `sessions/2026/01/01/rollout-…-<name>.jsonl`.
 */
export function linkCorpus(): CorpusTree {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-corpus-'));
  const claudeDir = path.join(root, 'claude');
  const codexDir = path.join(root, 'codex');
  const links = new Map<string, string>();
  for (const file of walkFiles(CORPUS_DIR).filter((f) => f.endsWith('.jsonl'))) {
    const rel = path.relative(CORPUS_DIR, file);
    const assistant = corpusAssistant(file);
    // The other agents' samples have their own corpus tests (test/ingest/<agent>-corpus.test.ts).
    if (assistant !== 'claude' && assistant !== 'codex') continue;
    let target: string;
    if (assistant === 'codex') {
      const name = rel.replace(/\.jsonl$/, '').replace(/[^A-Za-z0-9]+/g, '_');
      target = path.join(
        codexDir,
        'sessions',
        '2026',
        '01',
        '01',
        `rollout-2026-01-01T00-00-00-${name}.jsonl`,
      );
    } else {
      const sub = rel.indexOf('/subagents/');
      if (sub >= 0) {
        // <project>/<session>/subagents/... stays as it is below a project folder named after the source dir.
        const sessionDir = path.dirname(rel.slice(0, sub));
        const project = sessionDir.replace(/[^A-Za-z0-9]+/g, '-');
        target = path.join(claudeDir, 'projects', project, rel.slice(sessionDir.length + 1));
      } else {
        const project = path.dirname(rel).replace(/[^A-Za-z0-9]+/g, '-');
        target = path.join(claudeDir, 'projects', project, path.basename(rel));
      }
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync(file, target);
    links.set(file, target);
  }
  return { root, claudeDir, codexDir, links };
}
