/**
 * `send_thinking`, `send_tool_results` and `send_raw_data` against the test server, with real Claude and Codex
 * logs from the corpus plus a session with planted content. A withheld kind keeps its events (same types,
 * hashes and ordinals as with the key on, so flipping it never duplicates or renumbers), with the content
 * replaced by a marker everywhere it would leave, `raw_data` included.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { THINKING_WITHHELD, TOOL_RESULT_WITHHELD } from '../../src/collector/withhold.js';
import { openDatabase } from '../../src/store/index.js';
import type { AcceptedEvent } from '../support/catsyphon/store.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { writePlantedSession } from '../support/privacy.js';
import { type PublishEnv, publishEnv } from '../support/publish.js';
import { needs } from '../support/shared.js';

const shared = needs('corpus', 'catsyphon-openapi');

const CLAUDE = path.join(CORPUS_DIR, 'fasthooks/specs/data/sample_main_transcript.jsonl');
const CODEX = path.join(CORPUS_DIR, 'codex_log_viewer/example.jsonl');

const envs: PublishEnv[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((e) => e.close()));
});

async function publish(extra: Record<string, boolean>) {
  const env = await publishEnv();
  envs.push(env);
  env.addClaude(CLAUDE);
  writePlantedSession(path.join(env.claudeDir, 'projects'));
  const codex = path.join(env.codexDir, 'sessions', '2026', '01', '01');
  fs.mkdirSync(codex, { recursive: true });
  fs.copyFileSync(CODEX, path.join(codex, 'rollout-2026-01-01T00-00-00-small.jsonl'));
  const result = await env.sync(extra);
  expect(result.publish?.remainingSessions).toBe(0);
  return { env, events: env.server.admin.events() };
}

/**
 * Local texts of one message type, among the rows the server acknowledged, that are long enough to be recognisable and appear in no other row (a tool
 * output quoted back by the assistant, say, legitimately leaves with that other row).
 */
function distinctiveTexts(env: PublishEnv, type: 'thinking' | 'tool_result'): string[] {
  const db = openDatabase(env.databasePath);
  try {
    const rows = db
      .prepare(
        `SELECT m.message_type, m.seq <= coalesce(p.last_published_seq, 0) AS publishable,
           coalesce(m.tool_result, m.content) AS text, m.content, m.tool_input
         FROM messages m LEFT JOIN collector_publish_state p ON p.session_id = m.session_id`,
      )
      .all() as {
      message_type: string;
      publishable: number;
      text: string | null;
      content: string | null;
      tool_input: string | null;
    }[];
    const others = rows
      .filter((r) => r.message_type !== type)
      .map((r) => `${r.content ?? ''}\n${r.tool_input ?? ''}`)
      .join('\n');
    return (
      rows
        // Only what was acknowledged: a still-open response at the end of a log is not sent yet either way.
        .filter(
          (r) => r.message_type === type && r.publishable === 1 && r.text !== null && r.text.length >= 24,
        )
        // A prefix: shrinking (max_event_bytes) may cut or replace what follows in the sent copy.
        .map((r) => r.text!.slice(0, 60))
        .filter((t) => !others.includes(t))
    );
  } finally {
    db.close();
  }
}

/** Sessions publish concurrently, so the order across sessions varies: compared as a sorted list. */
const shape = (events: readonly AcceptedEvent[]) =>
  events.map((e) => `${e.sessionId} ${e.type} ${e.hash}`).sort();
/** JSON text as the server holds it: escapes are compared against the texts' own JSON escaping. */
const jsonOf = (events: readonly AcceptedEvent[]) => JSON.stringify(events.map((e) => e.data));
const appears = (text: string, json: string) => json.includes(JSON.stringify(text).slice(1, -1));

shared.describe('send_thinking = false', () => {
  it('keeps every thinking event with its content withheld, in content and raw_data alike', async () => {
    const on = await publish({ redact: false });
    const off = await publish({ send_thinking: false, redact: false });
    expect(shape(off.events)).toEqual(shape(on.events));
    const thinking = off.events.filter((e) => e.type === 'thinking');
    expect(thinking.length).toBeGreaterThanOrEqual(3);
    for (const e of thinking) expect(e.data).toMatchObject({ content: THINKING_WITHHELD, withheld: true });
    // Claude thinking blocks and Codex reasoning summaries both occur, and none of their text leaves.
    const texts = distinctiveTexts(off.env, 'thinking');
    expect(texts.length).toBeGreaterThanOrEqual(3);
    for (const t of texts) expect(appears(t, jsonOf(off.events)), t).toBe(false);
    // The test can fail: with the key on, the same texts are sent.
    for (const t of texts) expect(appears(t, jsonOf(on.events)), t).toBe(true);
  });
});

shared.describe('send_tool_results = false', () => {
  it('keeps every tool_result event and its link to the call, with the output withheld everywhere', async () => {
    const on = await publish({ redact: false });
    const off = await publish({ send_tool_results: false, redact: false });
    expect(shape(off.events)).toEqual(shape(on.events));
    const results = off.events.filter((e) => e.type === 'tool_result');
    expect(results.length).toBeGreaterThanOrEqual(5);
    for (const e of results) expect(e.data).toMatchObject({ result: TOOL_RESULT_WITHHELD, withheld: true });
    // Call ↔ result linkage is untouched.
    const links = (events: readonly AcceptedEvent[]) =>
      events.filter((e) => e.type === 'tool_result').map((e) => [e.data.tool_use_id, e.data.tool_name]);
    expect(links(off.events)).toEqual(links(on.events));
    const texts = distinctiveTexts(off.env, 'tool_result');
    expect(texts.length).toBeGreaterThanOrEqual(5);
    for (const t of texts) expect(appears(t, jsonOf(off.events)), t).toBe(false);
    for (const t of texts) expect(appears(t, jsonOf(on.events)), t).toBe(true);
  });
});

shared.describe('send_raw_data', () => {
  it('= false sends no raw_data on any event; by default message events carry it', async () => {
    const on = await publish({ redact: false });
    const off = await publish({ send_raw_data: false });
    expect(shape(off.events)).toEqual(shape(on.events));
    expect(off.events.filter((e) => 'raw_data' in e.data)).toEqual([]);
    expect(on.events.filter((e) => 'raw_data' in e.data).length).toBeGreaterThan(10);
  });
});
