/**
 * Issue 9, defect 6: a file replaced by a copy of itself (`cp f f.tmp && mv f.tmp f`, as editors, Syncthing,
 * iCloud and restores do) is read again from the start; each of its lines must be recognised as stored with
 * a constant amount of work. Before the fix every line ran `SELECT 1 FROM records WHERE source_file_id = ? AND
 * raw = ?`, a scan of the file's records per line: 22 s instead of 0.4 s for a 20 MB session, each chunk one
 * synchronous transaction that starved the publisher, signals and timers. The time itself is measured by
 * `npm run bench` (re-read after replace ≤ 2 × cold read); here the work is counted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/index.js';
import { SyncPass } from '../../src/sync/index.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { needs } from '../support/shared.js';
import { storedMessages, testConfig } from '../support/sync.js';

const gated = needs('corpus');

const SOURCE = path.join(
  CORPUS_DIR,
  'claude-code-log/test/test_data/real_projects/-experiments-worktrees/ef958aa1-0e93-49f0-bb71-150f63befcd1.jsonl',
);

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

/** The real session repeated with fresh uuids until it has at least `minLines` lines. */
function bigSession(minLines: number): string {
  const lines = fs.readFileSync(SOURCE, 'utf8').split('\n').filter(Boolean);
  const out: string[] = [];
  for (let round = 0; out.length < minLines; round++) {
    for (const l of lines) {
      const r = JSON.parse(l) as Record<string, unknown>;
      if (typeof r.uuid === 'string') r.uuid = `${r.uuid.slice(0, 24)}${String(round).padStart(12, '0')}`;
      out.push(JSON.stringify(r));
    }
  }
  return `${out.join('\n')}\n`;
}

gated.describe('re-reading a replaced file', () => {
  it('recognises every line of an identical copy with at most one stored-line comparison each', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-reread-'));
    const claudeDir = path.join(root, 'claude');
    const file = path.join(claudeDir, 'projects', '-w', 'ef958aa1-0e93-49f0-bb71-150f63befcd1.jsonl');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const text = bigSession(6_000);
    fs.writeFileSync(file, text);
    const config = testConfig({ claudeDir, codexDir: path.join(root, 'codex') });
    const db = openDatabase(config.databasePath);
    closers.push(() => db.close());
    const pass = new SyncPass(db, config);
    const cold = await pass.run(() => false);
    const before = storedMessages(db);
    const lines = text.split('\n').filter(Boolean).length;
    expect(cold.records).toBe(lines);

    fs.copyFileSync(file, `${file}.tmp`);
    fs.renameSync(`${file}.tmp`, file);
    const again = await pass.run(() => false);
    expect(again.changes).toEqual({ replaced: 1 });
    expect(again.lines).toBe(lines);
    expect(again.records).toBe(0);
    expect(again.messages).toBe(0);
    expect(again.duplicates).toBe(lines);
    expect(storedMessages(db)).toEqual(before);
    expect(pass.rereadComparisons).toBeLessThanOrEqual(lines);
    expect(pass.rereadComparisons).toBeGreaterThanOrEqual(lines);
  }, 120_000);
});
