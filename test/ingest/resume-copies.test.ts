/**
 * Issue 9, defect 3: which session owns a record that several session files hold (resume copies) must not
 * depend on the order the files are read in, nor on rebuilding the database. Before the fix the first file
 * read kept it: the real files below share uuid `cc67b20e…`, and read A-then-B it landed in A, B-then-A in B
 * (with another event hash), so a rebuilt database published it into a second conversation.
 *
 * The golden owner comes from the raw files, by the documented rule (docs/ARCHITECTURE.md): the copy in the
 * file whose first record is the oldest, and between files starting at the same instant, the smaller
 * session id.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { CORPUS_DIR } from '../support/corpus.js';
import { needs } from '../support/shared.js';
import { TestSync, testConfig } from '../support/sync.js';

const gated = needs('corpus');

const PROJECT = path.join(
  CORPUS_DIR,
  'claude-code-log/test/test_data/real_projects/-Users-dain-workspace-claude-code-log-sample',
);
const SHARED = [
  'b45ad5d8-81fb-4bcb-baba-19d9f503d731.jsonl',
  '71c9afe9-d9cc-4583-86b3-e62ba682b83a.jsonl',
  'cbc0f75b-b36d-4efd-a7da-ac800ea30eb6.jsonl',
];
/** Hand-written fixtures whose two files reuse five uuids with the same timestamps. */
const FIXTURES = [
  path.join(
    CORPUS_DIR,
    'claude-code-log/test/test_data/teammates/ef000000-0000-4000-8000-000000000001.jsonl',
  ),
  path.join(
    CORPUS_DIR,
    'claude-code-log/test/test_data/async_agents/eb000000-0000-4000-8000-000000000001.jsonl',
  ),
];

const open: TestSync[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

type Json = Record<string, unknown>;
const records = (file: string): Json[] =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Json);

/** Independent owner of every shared uuid@timestamp: min over holder files of (first timestamp, sessionId). */
function goldenOwners(files: string[]): Map<string, string> {
  const holders = new Map<string, { first: string; session: string }[]>();
  for (const f of files) {
    const recs = records(f);
    const first = recs.map((r) => r.timestamp).find((t): t is string => typeof t === 'string')!;
    for (const r of recs) {
      if (typeof r.uuid !== 'string' || !['user', 'assistant', 'system'].includes(String(r.type))) continue;
      const key = `${r.uuid}@${r.timestamp}`;
      const list = holders.get(key) ?? [];
      list.push({ first, session: String(r.sessionId) });
      holders.set(key, list);
    }
  }
  const owners = new Map<string, string>();
  for (const [key, list] of holders) {
    if (new Set(list.map((h) => h.session)).size < 2) continue;
    list.sort((a, b) =>
      a.first !== b.first ? (a.first < b.first ? -1 : 1) : a.session < b.session ? -1 : 1,
    );
    owners.set(key, list[0]!.session);
  }
  return owners;
}

/** Syncs the files one at a time, in the given order, into a fresh database; returns identity → session. */
async function ingestInOrder(files: string[]): Promise<Map<string, string>> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-copies-'));
  const claudeDir = path.join(root, 'claude');
  const dir = path.join(claudeDir, 'projects', '-w');
  fs.mkdirSync(dir, { recursive: true });
  const s = new TestSync(testConfig({ claudeDir, codexDir: path.join(root, 'codex') }));
  open.push(s);
  for (const f of files) {
    fs.copyFileSync(f, path.join(dir, path.basename(f)));
    await s.run();
  }
  const rows = s.db.prepare('SELECT identity, session_id FROM messages').all() as {
    identity: string;
    session_id: string;
  }[];
  return new Map(rows.map((r) => [r.identity, r.session_id]));
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

gated.describe('resume copies belong to one session whatever the order', () => {
  for (const [name, files] of [
    ['three real sessions sharing a record', SHARED.map((f) => path.join(PROJECT, f))],
    ['two fixtures sharing five records', FIXTURES],
  ] as const) {
    it(`${name}: every order of reading gives the documented owner`, async () => {
      const golden = goldenOwners([...files]);
      expect(golden.size).toBeGreaterThan(0);
      for (const order of permutations([...files])) {
        const owners = await ingestInOrder(order);
        const got = new Map<string, string>();
        for (const [identity, session] of owners) {
          const m = /^claude:(.+):\d+$/.exec(identity);
          if (m && golden.has(m[1]!)) got.set(m[1]!, session);
        }
        expect({ order: order.map((f) => path.basename(f)), owners: [...got].sort() }).toEqual({
          order: order.map((f) => path.basename(f)),
          owners: [...golden].sort(),
        });
      }
    });
  }

  it('the whole real project in file-name order and in reverse ends with the same messages', async () => {
    const all = fs
      .readdirSync(PROJECT)
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => path.join(PROJECT, f));
    const forward = await ingestInOrder(all);
    const backward = await ingestInOrder([...all].reverse());
    expect([...backward].sort()).toEqual([...forward].sort());
  });
});
