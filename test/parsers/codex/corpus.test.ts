/**
 * Every Codex rollout of the shared corpus, parsed line by line. Golden values are computed here from the raw
 * JSONL by expressions independent of the parser, never from its own output.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { needs } from '../../support/shared.js';
import { codexCorpusFiles, corpusPath, type FileRun, parseFile } from './helpers.js';

const corpus = needs('corpus');

// biome-ignore lint/suspicious/noExplicitAny: golden expressions read raw, untyped JSONL on purpose
type Rec = Record<string, any>;

function rawRecords(path: string): Rec[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

/** The response item of a record in either era (envelope payload or bare legacy item). */
const itemOf = (r: Rec): Rec | null =>
  r.type === 'response_item' && r.payload && typeof r.payload === 'object'
    ? r.payload
    : r.payload === undefined && typeof r.type === 'string' && r.record_type === undefined
      ? r
      : null;
const eventOf = (r: Rec, t: string): Rec | null =>
  r.type === 'event_msg' && r.payload?.type === t ? r.payload : null;
const messages = (run: FileRun) => run.outs.flatMap((o) => o.messages);
const count = (run: FileRun, t: string) => messages(run).filter((m) => m.messageType === t).length;

const CALLS = [
  'function_call',
  'custom_tool_call',
  'local_shell_call',
  'web_search_call',
  'tool_search_call',
];
// Read only when the corpus is there: without it the tests that use this are skipped (support/shared.ts).
const files = corpus.missing ? [] : codexCorpusFiles();

corpus.describe('codex corpus', () => {
  it('finds the corpus', () => {
    expect(files.length).toBeGreaterThanOrEqual(13);
  });

  it.each(files.map((f) => [f.replace(/.*corpus\//, ''), f]))('%s: parses without warnings', (_, path) => {
    const run = parseFile(path);
    expect(run.outs.filter((o) => o.warning)).toEqual([]);
    const ids = messages(run).map((m) => m.identity);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of messages(run)) {
      expect(m.threadKey).toBe('main');
      expect(m.contentKey).toMatch(/^[0-9a-f]{24}$/);
      expect(m.sessionKey).toBe(run.state.ownThread);
    }
    expect(JSON.parse(JSON.stringify(run.state))).toEqual(run.state);
  });

  it.each(files.map((f) => [f.replace(/.*corpus\//, ''), f]))('%s: tool calls and results', (_, path) => {
    const raw = rawRecords(path);
    const items = raw.map(itemOf).filter((i): i is Rec => i !== null);
    const calls = items.filter((i) => CALLS.includes(i.type));
    const outputs = items.filter((i) => typeof i.type === 'string' && i.type.endsWith('_output'));
    const run = parseFile(path);
    expect(count(run, 'tool_call')).toBe(calls.length);
    expect(count(run, 'tool_result')).toBe(outputs.length);
    const rawLinked = new Set(
      calls.map((c) => c.call_id).filter((id) => outputs.some((o) => o.call_id === id)),
    );
    const callIds = new Set(
      messages(run)
        .filter((m) => m.messageType === 'tool_call')
        .map((m) => m.toolUseId),
    );
    const linked = new Set(
      messages(run)
        .filter((m) => m.messageType === 'tool_result' && callIds.has(m.toolUseId))
        .map((m) => m.toolUseId),
    );
    expect(linked).toEqual(rawLinked);
  });

  it.each(files.map((f) => [f.replace(/.*corpus\//, ''), f]))('%s: assistant text', (_, path) => {
    const raw = rawRecords(path);
    const texts = raw
      .map(itemOf)
      .filter((i) => i?.type === 'message' && i.role === 'assistant')
      .filter((i) => (i?.content ?? []).some((c: Rec) => typeof c?.text === 'string' && c.text.length > 0));
    expect(count(parseFile(path), 'response')).toBe(texts.length);
  });
});

corpus.describe('codex corpus golden prompts', () => {
  const injected = (t: string) =>
    /^\s*(<environment_context>|<user_instructions>|# AGENTS\.md instructions)/.test(t);
  const userItemTexts = (raw: Rec[]) =>
    raw
      .map(itemOf)
      .filter((i) => i?.type === 'message' && i.role === 'user')
      .map((i) => (i?.content ?? []).map((c: Rec) => c.text ?? '').join('\n'));

  it('2026 export: one prompt per user_message event', () => {
    const path = corpusPath(
      'codex_log_viewer/codex_sessions/20260213134203_redacted_current_codex_session_jsonl_export.jsonl',
    );
    const raw = rawRecords(path);
    const events = raw.filter((r) => eventOf(r, 'user_message')).length;
    expect(events).toBe(11);
    const run = parseFile(path);
    expect(count(run, 'prompt')).toBe(events);
    expect(
      messages(run)
        .filter((m) => m.messageType === 'prompt')
        .every((m) => m.authorRole === 'human'),
    ).toBe(true);
  });

  it('legacy example: every non-injected user item is a prompt', () => {
    const path = corpusPath('codex_log_viewer/example.jsonl');
    const expected = userItemTexts(rawRecords(path)).filter((t) => !injected(t)).length;
    expect(count(parseFile(path), 'prompt')).toBe(expected);
  });

  it.each([
    'aiobscura/aiobscura-core/tests/fixtures/codex/minimal-session.jsonl',
    'aiobscura/aiobscura-core/tests/fixtures/codex/with-tool-calls.jsonl',
  ])('%s: user items are the prompts when no event exists', (rel) => {
    const path = corpusPath(rel);
    const expected = userItemTexts(rawRecords(path)).filter((t) => !injected(t)).length;
    expect(count(parseFile(path), 'prompt')).toBe(expected);
  });

  it('large.jsonl: distinct human texts across events and items', () => {
    const path = corpusPath('agent-sessions/Resources/Fixtures/stage0/agents/codex/large.jsonl');
    const raw = rawRecords(path);
    const texts = new Set([
      ...raw.map((r) => eventOf(r, 'user_message')?.message).filter((t) => typeof t === 'string'),
      ...userItemTexts(raw).filter((t) => !injected(t)),
    ]);
    expect(count(parseFile(path), 'prompt')).toBe(texts.size);
  });

  it('small.jsonl: user_message events plus paginated UserMessage items', () => {
    const path = corpusPath('agent-sessions/Resources/Fixtures/stage0/agents/codex/small.jsonl');
    const raw = rawRecords(path);
    const expected =
      raw.filter((r) => eventOf(r, 'user_message')).length +
      raw.filter((r) => eventOf(r, 'item_completed')?.item?.type === 'UserMessage').length;
    expect(count(parseFile(path), 'prompt')).toBe(expected);
  });
});

corpus.describe('codex corpus golden tokens', () => {
  const single = files.filter((f) => rawRecords(f).filter((r) => r.type === 'session_meta').length <= 1);
  it.each(single.map((f) => [f.replace(/.*corpus\//, ''), f]))(
    '%s: deltas sum to the last total',
    (_, path) => {
      const totals = rawRecords(path)
        .map((r) => eventOf(r, 'token_count')?.info?.total_token_usage)
        .filter((t): t is Rec => t !== null && typeof t === 'object');
      const never = totals.every((t, i) => i === 0 || t.input_tokens >= (totals[i - 1]?.input_tokens ?? 0));
      if (!never) return;
      const last = totals.at(-1);
      const usage = parseFile(path).outs.flatMap((o) => o.usage);
      const sum = (k: 'input' | 'cacheRead' | 'output') => usage.reduce((a, u) => a + u.tokens[k], 0);
      expect(sum('input') + sum('cacheRead')).toBe(last?.input_tokens ?? 0);
      expect(sum('cacheRead')).toBe(last?.cached_input_tokens ?? 0);
      expect(sum('output')).toBe(last?.output_tokens ?? 0);
      const distinct = totals.filter(
        (t, i) => i === 0 || JSON.stringify(t) !== JSON.stringify(totals[i - 1]),
      );
      expect(usage).toHaveLength(
        distinct.filter((t) => (t.input_tokens ?? 0) + (t.output_tokens ?? 0) > 0).length,
      );
    },
  );

  it('redacted 2026 export: no usage and no warnings', () => {
    const path = corpusPath(
      'codex_log_viewer/codex_sessions/20260213134203_redacted_current_codex_session_jsonl_export.jsonl',
    );
    const run = parseFile(path);
    expect(run.outs.flatMap((o) => o.usage)).toEqual([]);
    expect(run.state.model).toBe('gpt-5.3-codex');
  });
});
