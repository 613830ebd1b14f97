/**
 * The whole corpus through a real sync into a real SQLite file. Every line of every file must be accounted
 * for, and the golden numbers are computed here from the raw JSONL by expressions written for this test,
 * never taken from aiobscura's own output.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CORPUS_DIR, type CorpusTree, corpusAssistant, linkCorpus, walkFiles } from '../support/corpus.js';
import { needs } from '../support/shared.js';
import { links, TestSync, testConfig } from '../support/sync.js';

const corpus = needs('corpus');

type Json = Record<string, unknown>;

function rawLines(file: string): { lineNo: number; text: string; terminated: boolean }[] {
  const text = fs.readFileSync(file, 'utf8');
  const parts = text.split('\n');
  return parts.map((t, i) => ({ lineNo: i + 1, text: t, terminated: i < parts.length - 1 }));
}

function records(file: string): Json[] {
  const out: Json[] = [];
  for (const l of rawLines(file)) {
    try {
      const v = JSON.parse(l.text);
      if (v && typeof v === 'object' && !Array.isArray(v)) out.push(v as Json);
    } catch {
      // counted by the accounting test
    }
  }
  return out;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

corpus.describe('corpus through sync', () => {
  let tree: CorpusTree;
  let sync: TestSync;
  // A workflow `journal.jsonl` is run bookkeeping, not a transcript (log-formats.md §2.3): not discovered.
  // The Claude Code and Codex files; the other agents' samples have their own corpus tests.
  const transcripts = walkFiles(CORPUS_DIR).filter(
    (f) => f.endsWith('.jsonl') && !f.endsWith('/journal.jsonl'),
  );
  const claudeFiles = transcripts.filter((f) => corpusAssistant(f) === 'claude');
  const codexFiles = transcripts.filter((f) => corpusAssistant(f) === 'codex');
  const files = [...claudeFiles, ...codexFiles];

  beforeAll(async () => {
    tree = linkCorpus();
    sync = new TestSync(testConfig(tree));
    const summary = await sync.run();
    expect(summary.skipped).toEqual([]);
  });
  afterAll(() => sync.close());

  it('accounts for every line: a stored record, a warning with its reason, blank, or an unterminated tail', () => {
    const stored = sync.db
      .prepare(
        'SELECT line_no FROM records r JOIN source_files f ON f.id = r.source_file_id WHERE f.path = ?',
      )
      .pluck();
    const warned = sync.db.prepare('SELECT line_no, reason FROM ingest_warnings WHERE path = ?');
    let checked = 0;
    const unaccounted: string[] = [];
    for (const file of files) {
      const link = tree.links.get(file)!;
      const recorded = new Set(stored.all(link) as number[]);
      const warnings = warned.all(link) as { line_no: number; reason: string }[];
      for (const w of warnings) expect(w.reason.length).toBeGreaterThan(5);
      const warnedLines = new Set(warnings.map((w) => w.line_no));
      for (const line of rawLines(file)) {
        if (line.text.trim() === '') continue;
        checked++;
        if (recorded.has(line.lineNo) || warnedLines.has(line.lineNo)) continue;
        // Only a last line without its newline may wait, and only while it is not a complete record.
        let complete = true;
        try {
          JSON.parse(line.text);
        } catch {
          complete = false;
        }
        if (line.terminated || complete) unaccounted.push(`${file}:${line.lineNo} ${line.text.slice(0, 60)}`);
      }
    }
    expect(unaccounted).toEqual([]);
    expect(checked).toBeGreaterThan(4000);
  });

  it('stores each Claude API response once, with the final output tokens (grouped by message.id)', () => {
    // Independent expression: group assistant records by message.id (→ requestId → uuid); input and cache
    // counts are repeated on every piece, output grows: max of each per group.
    const groups = new Map<
      string,
      { input: number; output: number; cacheRead: number; cacheCreation: number }
    >();
    for (const file of claudeFiles) {
      for (const r of records(file)) {
        const msg = r.message as Json | undefined;
        if (
          r.type !== 'assistant' ||
          !msg ||
          typeof msg !== 'object' ||
          !msg.usage ||
          typeof msg.usage !== 'object'
        )
          continue;
        const key = String(msg.id ?? r.requestId ?? r.uuid);
        const u = msg.usage as Json;
        const g = groups.get(key) ?? { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };
        g.input = Math.max(g.input, num(u.input_tokens));
        g.output = Math.max(g.output, num(u.output_tokens));
        g.cacheRead = Math.max(g.cacheRead, num(u.cache_read_input_tokens));
        g.cacheCreation = Math.max(g.cacheCreation, num(u.cache_creation_input_tokens));
        groups.set(key, g);
      }
    }
    const expected = [...groups.values()].reduce(
      (t, g) => ({
        input: t.input + g.input,
        output: t.output + g.output,
        cacheRead: t.cacheRead + g.cacheRead,
        cacheCreation: t.cacheCreation + g.cacheCreation,
      }),
      { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 },
    );
    const got = sync.db
      .prepare(
        `SELECT count(*) AS responses, sum(input) AS input, sum(output) AS output, sum(cache_read) AS cacheRead,
           sum(cache_creation) AS cacheCreation FROM responses WHERE key LIKE 'claude:%'`,
      )
      .get();
    expect(got).toEqual({ responses: groups.size, ...expected });
  });

  it('stores one tool call per Claude tool_use id, linked to its result', () => {
    // A record copied by resume keeps its uuid and timestamp and is stored once. Hand-written fixtures also
    // reuse (uuid, timestamp) pairs across files, so only ids from records whose pair is unique in the
    // corpus are certain to be stored; every stored id must come from some record.
    const all = new Set<string>();
    const certain = new Set<string>();
    const pairs = new Map<string, number>();
    const uses: { pair: string; id: string }[] = [];
    for (const file of claudeFiles) {
      for (const r of records(file)) {
        const content = (r.message as Json | undefined)?.content;
        const pair = `${r.uuid}@${r.timestamp}`;
        pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
        if (!Array.isArray(content)) continue;
        for (const b of content as Json[]) {
          if (b?.type === 'tool_use' && typeof b.id === 'string') uses.push({ pair, id: b.id });
        }
      }
    }
    for (const u of uses) {
      all.add(u.id);
      if (pairs.get(u.pair) === 1) certain.add(u.id);
    }
    const calls = new Set(
      sync.db
        .prepare(
          `SELECT DISTINCT tool_use_id FROM messages WHERE message_type = 'tool_call' AND identity LIKE 'claude:%'
             AND tool_use_id IS NOT NULL`,
        )
        .pluck()
        .all() as string[],
    );
    expect(certain.size).toBeGreaterThan(1000);
    for (const id of certain) expect(calls).toContain(id);
    for (const id of calls) expect(all).toContain(id);
    // Every stored call's result is stored against the same id.
    const orphans = sync.db
      .prepare(
        `SELECT count(*) FROM messages r WHERE r.message_type = 'tool_result' AND r.identity LIKE 'claude:%'
           AND NOT EXISTS (SELECT 1 FROM messages c WHERE c.message_type = 'tool_call' AND c.tool_use_id = r.tool_use_id)`,
      )
      .pluck()
      .get() as number;
    expect(orphans).toBeLessThan(20);
  });

  it('links every sub-agent named by a Task result to the spawning tool call', () => {
    // Independent expression: user records whose toolUseResult names an agentId, paired with the tool_use_id
    // of their tool_result block, within the session that wrote them.
    const expected = new Set<string>();
    for (const file of claudeFiles) {
      for (const r of records(file)) {
        const tur = r.toolUseResult as Json | undefined;
        const content = (r.message as Json | undefined)?.content;
        if (r.type !== 'user' || !tur || typeof tur.agentId !== 'string' || !Array.isArray(content)) continue;
        const block = (content as Json[]).find((b) => b?.type === 'tool_result');
        if (block && r.isSidechain !== true)
          expected.add(`${r.sessionId}:agent-${tur.agentId} ${block.tool_use_id}`);
      }
    }
    const got = new Set(links(sync.db).map((l) => `${l.session_id} ${l.spawned_by_tool_use_id}`));
    expect(expected.size).toBeGreaterThan(5);
    for (const e of expected) expect(got).toContain(e);
  });

  it('sums Codex token usage as deltas of total_token_usage, duplicates collapsed', () => {
    // Independent expression over the raw rollouts: cumulative totals per thread section; a repeated
    // snapshot adds nothing, a total that went down (a new thread's counter) counts from zero.
    const fields = [
      'input_tokens',
      'cached_input_tokens',
      'output_tokens',
      'cache_write_input_tokens',
    ] as const;
    const sum = { input: 0, cacheRead: 0, output: 0, cacheCreation: 0 };
    for (const file of codexFiles) {
      let prev: number[] = [0, 0, 0, 0];
      for (const r of records(file)) {
        const p = r.payload as Json | undefined;
        if (r.type === 'session_meta') prev = [0, 0, 0, 0];
        const total = (p?.info as Json | undefined)?.total_token_usage as Json | undefined;
        if (r.type !== 'event_msg' || p?.type !== 'token_count' || !total || typeof total !== 'object')
          continue;
        const now = fields.map((f) => num(total[f]));
        const reset = now.some((v, i) => v < prev[i]!);
        const d = now.map((v, i) => (reset ? v : v - prev[i]!));
        prev = now;
        if (d.every((v) => v === 0)) continue;
        sum.input += d[0]! - d[1]!;
        sum.cacheRead += d[1]!;
        sum.output += d[2]!;
        sum.cacheCreation += d[3]!;
      }
    }
    const got = sync.db
      .prepare(
        `SELECT sum(input) AS input, sum(cache_read) AS cacheRead, sum(output) AS output,
           sum(cache_creation) AS cacheCreation FROM responses WHERE key LIKE 'codex:%'`,
      )
      .get();
    expect(sum.output).toBeGreaterThan(0);
    expect(got).toEqual(sum);
  });

  it('never counts injected user text as a human prompt', () => {
    const bad = sync.db
      .prepare(
        `SELECT count(*) FROM messages WHERE author_role = 'human' AND message_type = 'prompt' AND (
           content LIKE '<command-name>%' OR content LIKE '<local-command-stdout>%' OR content LIKE '<system-reminder>%'
           OR content LIKE '[Request interrupted by user%' OR content LIKE '<environment_context>%'
           OR content LIKE 'This session is being continued%')`,
      )
      .pluck()
      .get();
    expect(bad).toBe(0);
  });

  it('keeps every stored line byte for byte', () => {
    const rows = sync.db
      .prepare(
        'SELECT f.path, r.offset, r.raw FROM records r JOIN source_files f ON f.id = r.source_file_id LIMIT 3000',
      )
      .all() as { path: string; offset: number; raw: Buffer }[];
    for (const row of rows) {
      const fd = fs.openSync(row.path, 'r');
      const buf = Buffer.alloc(row.raw.length);
      fs.readSync(fd, buf, 0, buf.length, row.offset);
      fs.closeSync(fd);
      expect(buf.equals(row.raw)).toBe(true);
    }
  });
});
