/** `sessions`, `show`, `stats` and `warnings` as a user runs them, on the whole corpus. */
import { beforeAll, describe, expect, it } from 'vitest';
import { fakeHome, type Home, run } from '../support/cli.js';
import { linkCorpus } from '../support/corpus.js';
import { needs } from '../support/shared.js';

const corpus = needs('corpus');

let home: Home;
let dirs: string[];
const cli = (...args: string[]) => run(home, [...dirs, ...args]);
const json = (...args: string[]) => {
  const r = cli(...args, '--json');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
};

beforeAll(() => {
  home = fakeHome();
  dirs = [];
  if (corpus.missing) return; // the corpus tests below stand in skipped; `help` needs no corpus
  const tree = linkCorpus();
  dirs = ['--claude-dir', tree.claudeDir, '--codex-dir', tree.codexDir];
  const summary = json('sync');
  expect(summary.skipped).toEqual([]);
  expect(summary.messages).toBeGreaterThan(3000);
});

corpus.describe('sessions', () => {
  it('lists every session with counts and tokens, and filters by assistant, project, since and limit', () => {
    const all = json('sessions');
    expect(all.length).toBeGreaterThan(100);
    expect(Object.keys(all[0])).toEqual(
      expect.arrayContaining([
        'id',
        'assistant',
        'cwd',
        'messages',
        'prompts',
        'tokens_output',
        'last_activity_at',
      ]),
    );
    const codex = json('sessions', '--assistant', 'codex');
    expect(codex.length).toBeGreaterThan(3);
    expect(codex.every((s: { assistant: string }) => s.assistant === 'codex')).toBe(true);
    const project = json('sessions', '--project', 'JSSoundRecorder');
    expect(project.length).toBeGreaterThan(0);
    expect(project.every((s: { cwd: string }) => s.cwd.includes('JSSoundRecorder'))).toBe(true);
    const recent = json('sessions', '--since', '2026-01-01');
    expect(recent.length).toBeLessThan(all.length);
    expect(recent.every((s: { last_activity_at: string }) => s.last_activity_at >= '2026-01-01')).toBe(true);
    expect(json('sessions', '-n', '3')).toHaveLength(3);
  });

  it('prints a table for people and rejects a bad --since with a clear message', () => {
    const r = cli('sessions', '-n', '2');
    expect(r.stdout).toMatch(/^SESSION\s+ASSISTANT/);
    const bad = cli('sessions', '--since', 'yesterday-ish');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--since');
  });
});

corpus.describe('show', () => {
  it('shows a session by id prefix with its tool calls, results and sub-agents under their spawning call', () => {
    const shown = json('show', 'ef958aa1');
    expect(shown.session.id).toBe('ef958aa1-0e93-49f0-bb71-150f63befcd1');
    const types = new Set(shown.messages.map((m: { message_type: string }) => m.message_type));
    expect(types).toEqual(
      expect.objectContaining(new Set(['prompt', 'response', 'tool_call', 'tool_result'])),
    );
    expect(shown.subAgents.length).toBeGreaterThanOrEqual(5);
    const callIds = new Set(shown.messages.map((m: { tool_use_id: string | null }) => m.tool_use_id));
    const linked = shown.subAgents.filter((a: { spawned_by_tool_use_id: string }) =>
      callIds.has(a.spawned_by_tool_use_id),
    );
    expect(linked.length).toBeGreaterThan(0);
    for (const a of shown.subAgents) expect(a.messages.length).toBeGreaterThan(0);
    const text = cli('show', 'ef958aa1').stdout;
    expect(text).toContain('┌ sub-agent ef958aa1-0e93-49f0-bb71-150f63befcd1:agent-');
    expect(text).toMatch(/tool\/tool_result/);
  });

  it('explains an unknown or ambiguous id', () => {
    const none = cli('show', 'no-such-session');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no session matches "no-such-session"');
    const many = cli('show', 'ef958aa1-0e93-49f0-bb71-150f63befcd1:agent-a');
    expect(many.code).toBe(1);
    expect(many.stderr).toContain('matches several sessions');
  });
});

corpus.describe('stats and warnings', () => {
  it('groups sessions, messages and tokens by assistant, model and day, consistently with sessions', () => {
    const stats = json('stats');
    const sessions = json('sessions');
    const sum = (rows: Record<string, number>[], k: string) => rows.reduce((n, r) => n + r[k]!, 0);
    for (const by of ['assistant', 'model', 'day']) {
      expect(sum(stats[by], 'tokens_output')).toBe(sum(sessions, 'tokens_output'));
      expect(sum(stats[by], 'messages')).toBe(stats.totals.messages);
    }
    expect(stats.assistant.map((r: { key: string }) => r.key)).toEqual(['claude', 'codex']);
  });

  it('lists problems with file, line and reason', () => {
    const warnings = json('warnings');
    const malformed = warnings.find(
      (w: { path: string; line_no: number }) => w.path.endsWith('malformed-lines.jsonl') && w.line_no === 2,
    );
    expect(malformed.reason).toMatch(/invalid JSON/);
  });
});

describe('help', () => {
  it('explains every command', () => {
    const r = run(home, ['--help']);
    for (const c of ['sync', 'sessions', 'show', 'stats', 'warnings']) expect(r.stdout).toContain(c);
    expect(run(home, ['sync', '--help']).stdout).toContain('--watch');
  });
});
