/**
 * Issue 9, defect 2: a message is publishable only when it can no longer change. Claude Code 2.1.x writes
 * parallel tool calls of one response as `tool_use A`, `tool_result A`, `tool_use B` under one message.id, and
 * only the last piece carries the final output tokens; the old rule closed the group on the tool result, so the
 * usage was published while it was still partial (the chaos run's 1,730 missing output tokens).
 *
 * The property checked here, on real files that contain such responses, grown one line per pass: once a
 * message is publishable, nothing about it (content, tool fields, tokens) ever changes again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { CORPUS_DIR } from '../support/corpus.js';
import { needs } from '../support/shared.js';
import { storedMessages, TestSync, testConfig, tokenTotals } from '../support/sync.js';

const gated = needs('corpus');

const PROJECT = path.join(CORPUS_DIR, 'claude-code-log/test/test_data/real_projects/-experiments-worktrees');
const MAIN = 'ef958aa1-0e93-49f0-bb71-150f63befcd1.jsonl';
const AGENT = 'ef958aa1-0e93-49f0-bb71-150f63befcd1/subagents/agent-a52886dc180afb356.jsonl';
const CODEX = path.join(CORPUS_DIR, 'agent-sessions/Resources/Fixtures/stage0/agents/codex/small.jsonl');

const open: TestSync[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function tree() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-final-'));
  const claudeDir = path.join(root, 'claude');
  const codexDir = path.join(root, 'codex');
  const project = path.join(claudeDir, 'projects', '-experiments-worktrees');
  const codexFile = path.join(
    codexDir,
    'sessions',
    '2026',
    '01',
    '02',
    'rollout-2026-01-02T10-00-00-x.jsonl',
  );
  fs.mkdirSync(path.join(project, path.dirname(AGENT)), { recursive: true });
  fs.mkdirSync(path.dirname(codexFile), { recursive: true });
  return { claudeDir, codexDir, project, codexFile };
}

const PUBLISHED_ROW = `SELECT m.identity, m.message_type, m.content, m.tool_use_id, m.tool_input, m.tool_result,
    m.tokens_input, m.tokens_output, m.tokens_cache_read, m.tokens_cache_creation FROM messages m
  WHERE m.publishable = 1`;

gated.describe('a publishable message never changes again', () => {
  it('holds line by line through real parallel-tool responses (main and sub-agent file) and a Codex rollout', async () => {
    let now = new Date('2026-06-01T00:00:00.000Z');
    const t = tree();
    const sources = [
      { from: path.join(PROJECT, MAIN), to: path.join(t.project, MAIN) },
      { from: path.join(PROJECT, AGENT), to: path.join(t.project, AGENT) },
      { from: CODEX, to: t.codexFile },
    ].map((s) => ({ ...s, lines: fs.readFileSync(s.from, 'utf8').split(/(?<=\n)/) }));
    const s = new TestSync(testConfig(t), () => now);
    open.push(s);
    const firstSeen = new Map<string, unknown>();
    const changed: string[] = [];
    const longest = Math.max(...sources.map((x) => x.lines.length));
    for (let i = 0; i < longest; i++) {
      for (const src of sources) if (i < src.lines.length) fs.appendFileSync(src.to, src.lines[i]!);
      await s.run();
      for (const row of s.db.prepare(PUBLISHED_ROW).all() as { identity: string }[]) {
        const before = firstSeen.get(row.identity);
        if (before === undefined) firstSeen.set(row.identity, row);
        else if (JSON.stringify(before) !== JSON.stringify(row)) {
          if (process.env.DEBUG_FINAL) console.log(JSON.stringify(before), JSON.stringify(row));
          changed.push(row.identity);
        }
      }
    }
    expect(changed).toEqual([]);
    // Every response of these files is also complete in the end: idle time closes the last ones.
    now = new Date(Date.now() + 120_000);
    await s.run();
    const ct = tree();
    fs.cpSync(t.project, ct.project, { recursive: true });
    fs.cpSync(t.codexFile, ct.codexFile);
    const cleanSync = new TestSync(testConfig(ct), () => now);
    open.push(cleanSync);
    await cleanSync.run();
    expect(tokenTotals(s.db)).toEqual(tokenTotals(cleanSync.db));
    expect(storedMessages(s.db)).toEqual(storedMessages(cleanSync.db));
    expect(firstSeen.size).toBeGreaterThan(150);
  }, 300_000);
});
