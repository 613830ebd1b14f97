/**
 * Derived cases on real files: whatever way a file arrives (byte by byte, in random chunks, truncated,
 * rewritten, replaced, with a BOM or CRLF, with repeated lines), the store ends with exactly what one
 * full sync of the final file stores.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, expect, it } from 'vitest';
import { CORPUS_DIR } from '../support/corpus.js';
import { needs } from '../support/shared.js';
import { appendInChunks, links, storedMessages, TestSync, testConfig, tokenTotals } from '../support/sync.js';

const corpus = needs('corpus');

const CLAUDE_SPLIT = path.join(
  CORPUS_DIR,
  'claude-code-log/test/test_data/real_projects/-experiments-ideas/03eb5929-52b3-4b13-ada3-b93ae35806b8.jsonl',
);
const CLAUDE_WITH_AGENTS = path.join(CORPUS_DIR, 'claude-code-log/test/test_data/dedup_main.jsonl');
const CODEX_ENVELOPE = path.join(
  CORPUS_DIR,
  'agent-sessions/Resources/Fixtures/stage0/agents/codex/large.jsonl',
);
const CODEX_REAL = path.join(
  CORPUS_DIR,
  'aiobscura/aiobscura-core/tests/fixtures/codex/with-tool-calls.jsonl',
);

const open: TestSync[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

interface Tree {
  claudeDir: string;
  codexDir: string;
  claudeFile: string;
  codexFile: string;
}

function tree(): Tree {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-inc-'));
  const claudeDir = path.join(root, 'claude');
  const codexDir = path.join(root, 'codex');
  const claudeFile = path.join(
    claudeDir,
    'projects',
    '-work-demo',
    '03eb5929-52b3-4b13-ada3-b93ae35806b8.jsonl',
  );
  const codexFile = path.join(
    codexDir,
    'sessions',
    '2025',
    '12',
    '18',
    'rollout-2025-12-18T10-00-00-demo.jsonl',
  );
  fs.mkdirSync(path.dirname(claudeFile), { recursive: true });
  fs.mkdirSync(path.dirname(codexFile), { recursive: true });
  return { claudeDir, codexDir, claudeFile, codexFile };
}

function newSync(t: Tree): TestSync {
  const s = new TestSync(testConfig(t));
  open.push(s);
  return s;
}

/** Everything that must not depend on how the bytes arrived (emitted_at of timestamp-less records does). */
function snapshot(s: TestSync) {
  return {
    messages: storedMessages(s.db),
    publishable: s.db.prepare('SELECT identity, publishable FROM messages ORDER BY identity').all(),
    tokens: tokenTotals(s.db),
    links: links(s.db),
    sessions: s.db
      .prepare('SELECT id, assistant, cwd, model, parent_session_id FROM sessions ORDER BY id')
      .all(),
  };
}

async function fullSync(files: { claude?: Buffer; codex?: Buffer }) {
  const t = tree();
  if (files.claude) fs.writeFileSync(t.claudeFile, files.claude);
  if (files.codex) fs.writeFileSync(t.codexFile, files.codex);
  const s = newSync(t);
  await s.run();
  return snapshot(s);
}

corpus.describe('byte-by-byte arrival', () => {
  it('a real Claude file (61 lines, split assistant groups) and a Codex envelope file, one byte per sync', async () => {
    const claude = fs.readFileSync(CLAUDE_SPLIT);
    const codex = fs.readFileSync(CODEX_ENVELOPE);
    expect(claude.toString().split('\n').length).toBeGreaterThan(50);
    const expected = await fullSync({ claude, codex });
    expect(expected.messages.length).toBeGreaterThan(40);

    const t = tree();
    fs.writeFileSync(t.claudeFile, '');
    fs.writeFileSync(t.codexFile, '');
    const s = newSync(t);
    await appendInChunks(s, t.claudeFile, claude, () => 1);
    await appendInChunks(s, t.codexFile, codex, () => 1);
    expect(snapshot(s)).toEqual(expected);
  }, 300_000);
});

corpus.describe('random chunk sizes', () => {
  it('any split of the appends ends with the messages, order, tokens and links of one full sync', async () => {
    const claude = fs.readFileSync(CLAUDE_WITH_AGENTS);
    const codex = fs.readFileSync(CODEX_REAL);
    const expected = await fullSync({ claude, codex });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 40 }),
        async (claudeSizes, codexSizes) => {
          const t = tree();
          fs.writeFileSync(t.claudeFile, '');
          fs.writeFileSync(t.codexFile, '');
          const s = newSync(t);
          await appendInChunks(s, t.claudeFile, claude, (i) => claudeSizes[i % claudeSizes.length]!);
          await appendInChunks(s, t.codexFile, codex, (i) => codexSizes[i % codexSizes.length]!);
          expect(snapshot(s)).toEqual(expected);
          s.close();
          open.splice(open.indexOf(s), 1);
        },
      ),
      { numRuns: 15 },
    );
  }, 300_000);
});

corpus.describe('changes to a stored file', () => {
  const original = () => fs.readFileSync(CLAUDE_SPLIT);

  it('truncation: the file is cut mid-line and written again; nothing is stored twice', async () => {
    const data = original();
    const expected = await fullSync({ claude: data });
    const t = tree();
    fs.writeFileSync(t.claudeFile, data);
    const s = newSync(t);
    await s.run();
    fs.truncateSync(t.claudeFile, Math.floor(data.length / 3));
    const cut = await s.run();
    expect(cut.changes).toEqual({ truncated: 1 });
    fs.appendFileSync(t.claudeFile, data.subarray(Math.floor(data.length / 3)));
    await s.run();
    expect(snapshot(s)).toEqual(expected);
  });

  it('rewrite in place: a new first line and the old content; old messages stay once, the new one is added', async () => {
    const data = original();
    const t = tree();
    fs.writeFileSync(t.claudeFile, data);
    const s = newSync(t);
    await s.run();
    const before = storedMessages(s.db);
    const extra = `${JSON.stringify({
      type: 'user',
      uuid: '0a0a0a0a-0000-4000-8000-000000000001',
      sessionId: '03eb5929-52b3-4b13-ada3-b93ae35806b8',
      timestamp: '2025-01-01T00:00:00.000Z',
      message: { role: 'user', content: 'a line added by the rewrite' },
    })}\n`;
    const fd = fs.openSync(t.claudeFile, 'r+');
    fs.writeSync(fd, Buffer.concat([Buffer.from(extra), data]), 0, undefined, 0);
    fs.closeSync(fd);
    const summary = await s.run();
    expect(summary.changes).toEqual({ rewritten: 1 });
    const after = storedMessages(s.db);
    expect(after.length).toBe(before.length + 1);
    expect(new Set(after.map((m) => m.identity)).size).toBe(after.length);
    expect(after.at(-1)!.content).toBe('a line added by the rewrite');
  });

  it('replacement: a new file (new inode) at the same path keeps old messages once and adds the new', async () => {
    const data = original();
    const lines = data.toString().split('\n');
    const firstHalf = `${lines.slice(0, 30).join('\n')}\n`;
    const expected = await fullSync({ claude: data });
    const t = tree();
    fs.writeFileSync(t.claudeFile, firstHalf);
    const s = newSync(t);
    await s.run();
    // Written beside it and renamed over it, as editors and atomic writers do: a new inode at the same path.
    fs.writeFileSync(`${t.claudeFile}.tmp`, data);
    fs.renameSync(`${t.claudeFile}.tmp`, t.claudeFile);
    const summary = await s.run();
    expect(summary.changes).toEqual({ replaced: 1 });
    expect(snapshot(s)).toEqual(expected);
  });

  it('repeated lines (the same record written several times in a row) are stored once', async () => {
    const data = original();
    const expected = await fullSync({ claude: data });
    const repeated = data
      .toString()
      .split('\n')
      .filter((l) => l !== '')
      .flatMap((l, i) => (i % 3 === 0 ? [l, l, l, l] : [l]))
      .join('\n');
    const codexLines = fs.readFileSync(CODEX_REAL, 'utf8').split('\n');
    const codexRepeated = codexLines.flatMap((l, i) => (i % 2 === 1 && l ? [l, l] : [l])).join('\n');
    const got = await fullSync({ claude: Buffer.from(`${repeated}\n`), codex: Buffer.from(codexRepeated) });
    const codexExpected = await fullSync({ codex: fs.readFileSync(CODEX_REAL) });
    expect(got.messages.filter((m) => m.identity.startsWith('claude:'))).toEqual(expected.messages);
    expect(got.messages.filter((m) => m.identity.startsWith('codex:')).length).toBe(
      codexExpected.messages.length,
    );
  });
});

corpus.describe('encodings and sizes', () => {
  it('a UTF-8 BOM and CRLF line endings change nothing but the bytes', async () => {
    const data = fs.readFileSync(CLAUDE_SPLIT);
    const expected = await fullSync({ claude: data });
    const crlf = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(data.toString().replace(/\n/g, '\r\n')),
    ]);
    const t = tree();
    fs.writeFileSync(t.claudeFile, crlf);
    const s = newSync(t);
    const summary = await s.run();
    expect(summary.warnings).toBe(0);
    expect(snapshot(s)).toEqual(expected);
    // Offsets point at the real bytes: each stored line is found at its offset (BOM and \r excluded).
    const rows = s.db.prepare('SELECT offset, raw FROM records').all() as { offset: number; raw: Buffer }[];
    for (const r of rows) {
      const at = r.offset === 0 ? 3 : r.offset;
      expect(crlf.subarray(at, at + r.raw.length).equals(r.raw)).toBe(true);
      expect(crlf[at + r.raw.length]).toBe(0x0d);
    }
  });

  it('a 1 MB line (real base64 image) arriving in 64 KiB pieces is stored once, whole', async () => {
    const big = fs.readFileSync(
      path.join(
        CORPUS_DIR,
        'claude-code-log/test/test_data/real_projects/-Users-dain-workspace-claude-code-log-sample/0d3a8e6f-290f-4105-a327-a2496e5e2a83.jsonl',
      ),
    );
    const expected = await fullSync({ claude: big });
    const t = tree();
    fs.writeFileSync(t.claudeFile, '');
    const s = newSync(t);
    await appendInChunks(s, t.claudeFile, big, () => 64 * 1024);
    expect(snapshot(s)).toEqual(expected);
    const longest = s.db.prepare('SELECT max(length(raw)) FROM records').pluck().get() as number;
    expect(longest).toBeGreaterThan(1_000_000);
  });
});
