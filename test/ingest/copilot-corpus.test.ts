/**
 * The Copilot CLI samples (agent-sessions stage0: `small` = curated real records, the rest fixtures) through a
 * real in-process sync, laid out the way the CLI writes them: flat `session-state/<id>.jsonl` (≤ 1.0.10) and
 * `session-state/<uuid>/events.jsonl` (≥ 1.0.11), as symbolic links into the corpus. Goldens are computed here
 * from the raw lines by expressions written for this test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { needs } from '../support/shared.js';
import { appendInChunks, links, storedMessages, TestSync, tokenTotals } from '../support/sync.js';

const corpus = needs('corpus');
const SAMPLES = path.join(CORPUS_DIR, 'agent-sessions/Resources/Fixtures/stage0/agents/copilot');
const SUBDIR = 'aaaabbbb-1111-2222-3333-ccccddddeeee';

type Json = Record<string, unknown>;
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/** sample → where the CLI would have it, relative to its home. */
const LAYOUT: [string, string][] = [
  ['small.jsonl', 'session-state/small.jsonl'],
  ['large.jsonl', 'session-state/large.jsonl'],
  ['schema_drift.jsonl', 'session-state/schema_drift.jsonl'],
  [`subdir_v1/${SUBDIR}/events.jsonl`, `session-state/${SUBDIR}/events.jsonl`],
];

function rawEvents(file: string): Json[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Json);
}

function newSync(copilotDir: string): TestSync {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-copilot-'));
  const config = resolveConfig(
    {
      configPath: path.join(root, 'absent.toml'),
      databasePath: path.join(root, 'data.db'),
      dirs: { copilot: copilotDir },
    },
    { HOME: root },
  );
  return new TestSync(config);
}

function layout(): { dir: string; links: Map<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-copilot-home-'));
  const map = new Map<string, string>();
  for (const [sample, rel] of LAYOUT) {
    const link = path.join(dir, rel);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.join(SAMPLES, sample), link);
    map.set(path.join(SAMPLES, sample), link);
  }
  return { dir, links: map };
}

/** The session an event belongs to, by the rule the format documents (envelope agentId, else parentToolCallId). */
function sessionOf(root: string, e: Json): string {
  const agent = e.agentId ?? obj(e.data).parentToolCallId;
  return typeof agent === 'string' && agent.length > 0 ? `${root}:agent-${agent}` : root;
}

function rootOf(events: Json[], stem: string): string {
  const first = events[0];
  const named = first?.type === 'session.start' ? obj(first.data).sessionId : null;
  return typeof named === 'string' ? named : stem;
}

corpus.describe('Copilot samples through sync', () => {
  const files = LAYOUT.map(([s]) => path.join(SAMPLES, s));
  let sync: TestSync;
  let linked: Map<string, string>;

  beforeAll(async () => {
    const laid = layout();
    linked = laid.links;
    sync = newSync(laid.dir);
    const summary = await sync.run();
    expect(summary.skipped).toEqual([]);
  });
  afterAll(() => sync.close());

  corpus.it('finds both layouts and accounts for every line: a stored record or a warning', () => {
    const stored = sync.db
      .prepare(
        'SELECT DISTINCT line_no FROM records r JOIN source_files f ON f.id = r.source_file_id WHERE f.path = ?',
      )
      .pluck();
    const warned = sync.db.prepare('SELECT line_no FROM ingest_warnings WHERE path = ?').pluck();
    const missing: string[] = [];
    let checked = 0;
    for (const file of files) {
      const link = linked.get(file)!;
      const seen = new Set([...(stored.all(link) as number[]), ...(warned.all(link) as number[])]);
      fs.readFileSync(file, 'utf8')
        .split('\n')
        .forEach((text, i) => {
          if (text.trim() === '') return;
          checked++;
          if (!seen.has(i + 1)) missing.push(`${path.basename(file)}:${i + 1}`);
        });
    }
    expect(missing).toEqual([]);
    expect(checked).toBe(32 + 18 + 13 + 8);
  });

  corpus.it(
    'sessions: session.start names them; sub-agent traffic hangs below its parent, linked to its call',
    () => {
      const roots = files.map((f) =>
        rootOf(rawEvents(f), path.basename(path.dirname(f)) === SUBDIR ? SUBDIR : path.basename(f, '.jsonl')),
      );
      const got = sync.db
        .prepare("SELECT id, parent_session_id FROM sessions WHERE assistant = 'copilot' ORDER BY id")
        .all() as {
        id: string;
        parent_session_id: string | null;
      }[];
      const subs = new Set(files.flatMap((f, i) => rawEvents(f).map((e) => sessionOf(roots[i]!, e))));
      expect(got.map((s) => s.id)).toEqual([...subs].sort());
      for (const s of got)
        if (s.id.includes(':agent-')) expect(s.parent_session_id).toBe(s.id.split(':agent-')[0]);
      const small = sync.db
        .prepare(
          "SELECT cwd, git_branch, model, assistant_version FROM sessions WHERE id = 'copilot_stage0_small'",
        )
        .get();
      // cwd, branch and version are first facts; the model is the latest one named (a redacted resume here).
      const named = rawEvents(files[0]!)
        .map((e) => obj(e.data).selectedModel ?? obj(e.data).newModel)
        .filter((m) => typeof m === 'string');
      expect(small).toEqual({
        cwd: '/tmp/repo',
        git_branch: 'main',
        model: named.at(-1),
        assistant_version: '1.0.77',
      });
      // The deprecated parentToolCallId names the spawning call of the sub-agent.
      expect(links(sync.db).map((l) => l.session_id)).toEqual([
        'copilot_stage0_small:agent-[trimmed for fixture]',
      ]);
    },
  );

  corpus.it(
    'tokens: per-leg max of the message outputTokens and the rollup, input and cache from the rollup',
    () => {
      // Independent expression, exact for files with at most one shutdown (checked): output = max(Σ
      // outputTokens before the shutdown, Σ rollup outputTokens) + Σ outputTokens after it; input = Σ
      // (inputTokens − cacheReadTokens − cacheWriteTokens); cache from the rollup.
      const t = { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 };
      for (const file of files) {
        const events = rawEvents(file);
        const shutdowns = events.filter((e) => e.type === 'session.shutdown');
        expect(shutdowns.length).toBeLessThanOrEqual(1);
        const at = events.findIndex((e) => e.type === 'session.shutdown');
        const out = (es: Json[]) =>
          es
            .filter((e) => e.type === 'assistant.message')
            .reduce((s, e) => s + num(obj(e.data).outputTokens), 0);
        const usages = Object.values(obj(obj(shutdowns[0]?.data).modelMetrics)).map((m) => obj(obj(m).usage));
        const rolled = usages.reduce((s, u) => s + num(u.outputTokens), 0);
        t.output +=
          at < 0 ? out(events) : Math.max(out(events.slice(0, at)), rolled) + out(events.slice(at + 1));
        for (const u of usages) {
          t.input += num(u.inputTokens) - num(u.cacheReadTokens) - num(u.cacheWriteTokens);
          t.cacheRead += num(u.cacheReadTokens);
          t.cacheCreation += num(u.cacheWriteTokens);
        }
      }
      const { responses: _n, ...got } = tokenTotals(sync.db);
      expect(got).toEqual(t);
      expect(t).toEqual({ input: 200, output: 15 + 50 + 26, cacheRead: 800, cacheCreation: 0 });
    },
  );

  corpus.it(
    'tool calls: one per call id and session, every result linked unless its call was never written',
    () => {
      const calls = new Set<string>();
      const orphans = new Set<string>();
      for (const [i, file] of files.entries()) {
        const events = rawEvents(file);
        const root = rootOf(events, i === 3 ? SUBDIR : path.basename(file, '.jsonl'));
        for (const e of events) {
          const d = obj(e.data);
          if (e.type === 'tool.execution_start' && typeof d.toolCallId === 'string')
            calls.add(`${sessionOf(root, e)} ${d.toolCallId}`);
          if (e.type === 'assistant.message')
            for (const r of (d.toolRequests as Json[] | undefined) ?? [])
              if (typeof r.toolCallId === 'string') calls.add(`${sessionOf(root, e)} ${r.toolCallId}`);
        }
        for (const e of events) {
          const d = obj(e.data);
          if (e.type === 'tool.execution_complete' && !calls.has(`${sessionOf(root, e)} ${d.toolCallId}`))
            orphans.add(`${sessionOf(root, e)} ${d.toolCallId}`);
        }
      }
      const stored = sync.db
        .prepare(
          "SELECT session_id || ' ' || tool_use_id FROM messages WHERE message_type = 'tool_call' ORDER BY 1",
        )
        .pluck()
        .all();
      expect(stored).toEqual([...calls].sort());
      const unlinked = sync.db
        .prepare(
          `SELECT r.session_id || ' ' || r.tool_use_id FROM messages r WHERE r.message_type = 'tool_result'
           AND NOT EXISTS (SELECT 1 FROM messages c WHERE c.message_type = 'tool_call'
             AND c.session_id = r.session_id AND c.tool_use_id = r.tool_use_id)`,
        )
        .pluck()
        .all();
      expect(new Set(unlinked)).toEqual(orphans);
      expect(orphans).toEqual(new Set(['copilot_stage0_drift call_2']));
    },
  );

  corpus.it('nothing is stored twice: a second pass adds nothing; one prompt per user.message', async () => {
    const before = storedMessages(sync.db);
    await sync.run();
    expect(storedMessages(sync.db)).toEqual(before);
    const prompts = files.flatMap(rawEvents).filter((e) => e.type === 'user.message').length;
    expect(before.filter((m) => m.message_type === 'prompt').length).toBe(prompts);
    const responses = files
      .flatMap(rawEvents)
      .filter(
        (e) =>
          e.type === 'assistant.message' &&
          typeof obj(e.data).content === 'string' &&
          obj(e.data).content !== '',
      ).length;
    expect(before.filter((m) => m.message_type === 'response').length).toBe(responses);
  });
});

corpus.describe('Copilot file arriving in random chunks', () => {
  corpus.it(
    'any split of the appends ends with what one full sync stores',
    async () => {
      const data = fs.readFileSync(path.join(SAMPLES, 'small.jsonl'));
      const other = fs.readFileSync(path.join(SAMPLES, `subdir_v1/${SUBDIR}/events.jsonl`));
      const snapshot = (s: TestSync) => ({
        messages: storedMessages(s.db),
        publishable: s.db.prepare('SELECT identity, publishable FROM messages ORDER BY identity').all(),
        tokens: tokenTotals(s.db),
        links: links(s.db),
        sessions: s.db.prepare('SELECT id, cwd, model, parent_session_id FROM sessions ORDER BY id').all(),
      });
      const fresh = () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-copilot-inc-'));
        fs.mkdirSync(path.join(dir, 'session-state', SUBDIR), { recursive: true });
        fs.writeFileSync(path.join(dir, 'session-state', SUBDIR, 'events.jsonl'), other);
        return dir;
      };
      const whole = fresh();
      fs.writeFileSync(path.join(whole, 'session-state', 'small.jsonl'), data);
      const full = newSync(whole);
      await full.run();
      const expected = snapshot(full);
      full.close();
      expect(expected.messages.length).toBeGreaterThan(25);

      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 2000 }), { minLength: 1, maxLength: 20 }),
          async (sizes) => {
            const dir = fresh();
            const file = path.join(dir, 'session-state', 'small.jsonl');
            fs.writeFileSync(file, '');
            const s = newSync(dir);
            try {
              await appendInChunks(s, file, data, (i) => sizes[i % sizes.length]!);
              expect(snapshot(s)).toEqual(expected);
            } finally {
              s.close();
            }
          },
        ),
        { numRuns: 8 },
      );
    },
    120_000,
  );
});

corpus.describe('Copilot discovery', () => {
  corpus.it(
    'finds both layouts from the home or from session-state itself, and reports a dangling log',
    async () => {
      const { discoverCopilot } = await import('../../src/sources/copilot.js');
      const { dir } = layout();
      fs.mkdirSync(path.join(dir, 'session-state', 'no-log-yet'));
      fs.mkdirSync(path.join(dir, 'session-state', 'dangling'));
      fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'session-state', 'dangling', 'events.jsonl'));
      const problems: { path: string; reason: string }[] = [];
      const fromHome = discoverCopilot(dir, problems);
      const fromState = discoverCopilot(path.join(dir, 'session-state'), []);
      expect(fromHome.map((f) => f.path)).toEqual(fromState.map((f) => f.path));
      expect(fromHome.map((f) => f.context.stem).sort()).toEqual(
        ['large', 'schema_drift', 'small', SUBDIR].sort(),
      );
      expect(problems.map((p) => path.basename(path.dirname(p.path)))).toEqual(['dangling']);
    },
  );
});
