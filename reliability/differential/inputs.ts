/**
 * The real files a differential history grows: Claude Code main and sub-agent files with parallel tool calls
 * (tool_use A → tool_result A → tool_use B under one message.id), three real sessions sharing a resume-copied
 * record, and Codex rollouts of both eras (legacy bare items, and envelopes with forks); the long run adds the
 * other agents' JSONL formats.
 *
 * Each input is a whole file or a prefix of its first lines (a prefix of a real log is a real log as it was
 * being written), placed where the agent itself writes it under the fake home.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CORPUS_DIR } from '../../test/support/corpus.js';

export interface InputFile {
  /** Where it goes, relative to the fake home. */
  target: string;
  /** The bytes it ends with. */
  content: Buffer;
}

const WORKTREES = 'claude-code-log/test/test_data/real_projects/-experiments-worktrees';
const SAMPLE = 'claude-code-log/test/test_data/real_projects/-Users-dain-workspace-claude-code-log-sample';

interface Source {
  corpus: string;
  target: string;
  /** Keep only the first lines (all when absent). */
  lines?: number;
}

const STAGE0 = 'agent-sessions/Resources/Fixtures/stage0/agents';

/**
 * The other agents' append-only formats, placed where each agent writes (the fake home is every agent's home):
 * Gemini CLI's event-sourced JSONL (a message re-appended under its id), Copilot CLI in both layouts (with a
 * sub-agent), pi (a real v1 session, and a v3 one), Qwen Code.
 */
const OTHER_AGENTS: Source[] = [
  {
    corpus: `${STAGE0}/gemini/jsonl_v040.jsonl`,
    target: '.gemini/tmp/agent-sessions/chats/session-2026-04-29T21-39-0f6a3b2c.jsonl',
  },
  { corpus: `${STAGE0}/copilot/small.jsonl`, target: '.copilot/session-state/copilot-small.jsonl' },
  {
    corpus: `${STAGE0}/copilot/subdir_v1/aaaabbbb-1111-2222-3333-ccccddddeeee/events.jsonl`,
    target: '.copilot/session-state/aaaabbbb-1111-2222-3333-ccccddddeeee/events.jsonl',
  },
  {
    corpus: `${STAGE0}/pi/small.jsonl`,
    target:
      '.pi/agent/sessions/--tmp-as-agent-fixture-project--/2026-05-12T01-02-27-657Z_019e19b4-eb48-746a-aa6b-8dfcfa37954b.jsonl',
  },
  {
    corpus: 'pi-mono/packages/coding-agent/test/fixtures/large-session.jsonl',
    target: '.pi/agent/sessions/--work-pi--/2025-11-20T10-00-00-000Z_pi-large-session.jsonl',
    lines: 300,
  },
  {
    corpus: `${STAGE0}/qwen/019f0000-0000-7000-8000-000000000004.jsonl`,
    target: '.qwen/projects/-tmp-as-qwen-fixture/chats/019f0000-0000-7000-8000-000000000004.jsonl',
  },
];

const SHORT: Source[] = [
  {
    corpus: `${WORKTREES}/ef958aa1-0e93-49f0-bb71-150f63befcd1.jsonl`,
    target: '.claude/projects/-experiments-worktrees/ef958aa1-0e93-49f0-bb71-150f63befcd1.jsonl',
    lines: 90,
  },
  {
    corpus: `${WORKTREES}/ef958aa1-0e93-49f0-bb71-150f63befcd1/subagents/agent-a52886dc180afb356.jsonl`,
    target:
      '.claude/projects/-experiments-worktrees/ef958aa1-0e93-49f0-bb71-150f63befcd1/subagents/agent-a52886dc180afb356.jsonl',
  },
  ...['71c9afe9-d9cc-4583-86b3-e62ba682b83a', 'b45ad5d8-81fb-4bcb-baba-19d9f503d731'].map((id) => ({
    corpus: `${SAMPLE}/${id}.jsonl`,
    target: `.claude/projects/-Users-dain-workspace-claude-code-log-sample/${id}.jsonl`,
    lines: 12,
  })),
  {
    corpus: 'codex_log_viewer/example.jsonl',
    target:
      '.codex/sessions/2025/09/10/rollout-2025-09-10T02-47-38-981d779b-eff6-469e-bb55-b423fe135b79.jsonl',
    lines: 60,
  },
  {
    corpus: 'agent-sessions/Resources/Fixtures/stage0/agents/codex/small.jsonl',
    target:
      '.codex/sessions/2026/01/02/rollout-2026-01-02T10-00-00-019fc8be-3658-7ca3-9e29-000000000000.jsonl',
  },
  // The other agents' smallest samples (the long run takes them all).
  ...OTHER_AGENTS.filter((s) => s.lines === undefined && !s.corpus.startsWith('pi-mono/')),
];

const LONG: Source[] = [
  ...SHORT.filter((s) => !OTHER_AGENTS.includes(s)).map(({ lines: _lines, ...s }) => s),
  ...OTHER_AGENTS,
  {
    corpus: `${SAMPLE}/cbc0f75b-b36d-4efd-a7da-ac800ea30eb6.jsonl`,
    target: `.claude/projects/-Users-dain-workspace-claude-code-log-sample/cbc0f75b-b36d-4efd-a7da-ac800ea30eb6.jsonl`,
  },
  ...['agent-a6aa8ad077d9ea083', 'agent-aef063ba534d73153'].map((a) => ({
    corpus: `${WORKTREES}/ef958aa1-0e93-49f0-bb71-150f63befcd1/subagents/${a}.jsonl`,
    target: `.claude/projects/-experiments-worktrees/ef958aa1-0e93-49f0-bb71-150f63befcd1/subagents/${a}.jsonl`,
  })),
  {
    corpus:
      'codex_log_viewer/codex_sessions/20260213134203_redacted_current_codex_session_jsonl_export.jsonl',
    target:
      '.codex/sessions/2026/02/13/rollout-2026-02-13T13-42-03-019c5588-0000-7000-8000-000000000001.jsonl',
    lines: 300,
  },
];

function load(s: Source): InputFile {
  const bytes = fs.readFileSync(path.join(CORPUS_DIR, s.corpus));
  if (s.lines === undefined) return { target: s.target, content: bytes };
  let end = 0;
  for (let n = 0; n < s.lines; n++) {
    const nl = bytes.indexOf(0x0a, end);
    if (nl === -1) break;
    end = nl + 1;
  }
  return { target: s.target, content: bytes.subarray(0, end) };
}

export function inputFiles(scale: 'short' | 'long'): InputFile[] {
  return (scale === 'short' ? SHORT : LONG).map(load);
}
