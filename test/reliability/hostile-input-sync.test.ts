/**
 * Hostile input end to end (issue 4 item 3, short version): a Claude Code session and a Codex rollout from the
 * corpus, each mixed with mutated copies of its own lines (fixed seed), are synced by the real CLI process with
 * the collector publishing to the test server. Compared with the same files without the mutants: the process
 * succeeds, every invalid line has a warning naming its file and line (table and `aiobscura warnings`), no
 * valid line is warned about, every valid record is stored and published, and the server holds exactly what
 * the client numbered, once.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  compare,
  homePath,
  type MixedFile,
  mixFile,
  type SyncedHome,
  syncHome,
} from '../../reliability/hostile/e2e.js';
import { linesOf, SHORT_SET } from '../../reliability/hostile/lines.js';
import { runAsync } from '../support/cli.js';
import { needs } from '../support/shared.js';

// Every test here needs the shared reference material; without it each one stands in, skipped with the reason
// (support/shared.ts).
const { describe, missing } = needs('corpus', 'catsyphon-openapi');

const SEED = 424_242;
const MUTANTS_PER_FILE = 40;

let files: MixedFile[];
let clean: SyncedHome;
let mixed: SyncedHome;

beforeAll(async () => {
  if (missing) return;
  files = SHORT_SET.map((f, i) => {
    const lines = linesOf(f);
    const rel = homePath(lines[0]!.assistant, path.basename(f));
    return mixFile(rel, lines, MUTANTS_PER_FILE, SEED + i, {
      depth: 10_000,
      hugeMin: 1 << 20,
      hugeMax: 3 << 20,
    });
  });
  [clean, mixed] = await Promise.all([
    syncHome(files.map((f) => ({ rel: f.rel, bytes: f.clean }))),
    syncHome(files.map((f) => ({ rel: f.rel, bytes: f.mixed }))),
  ]);
});

afterAll(async () => {
  await clean?.server.close();
  await mixed?.server.close();
});

describe('session files mixing real and mutated lines, synced and published by the real process', () => {
  it('the sync succeeds and publishes everything', () => {
    for (const run of [clean, mixed]) {
      expect(run.sync.stderr).not.toMatch(/RangeError|TypeError|Maximum call stack|at .*\.js:\d+/);
      expect(run.sync.code).toBe(0);
      const summary = JSON.parse(run.sync.stdout);
      expect(summary.skipped).toEqual([]);
      expect(summary.publish).toEqual({ remainingSessions: 0, reason: null });
    }
    expect(JSON.parse(mixed.sync.stdout).warnings).toBeGreaterThan(0);
  });

  it('every invalid line is warned about with its file and line; valid lines never are', async () => {
    const result = compare(clean, mixed);
    const warned = new Set(result.warnings.map((w) => `${w.path}:${w.line_no}`));
    const mutantLines = new Set<string>();
    let invalid = 0;
    for (const f of files) {
      const full = path.join(mixed.home.root, f.rel);
      for (const m of f.mutants) {
        mutantLines.add(`${full}:${m.lineNo}`);
        if (!m.invalidJson) continue;
        invalid++;
        expect(warned.has(`${full}:${m.lineNo}`), `no warning for ${m.what} at ${full}:${m.lineNo}`).toBe(
          true,
        );
      }
    }
    expect(invalid).toBeGreaterThan(10);
    for (const w of result.warnings) expect(mutantLines.has(`${w.path}:${w.line_no}`), w.reason).toBe(true);
    // The same rows through the command users run.
    const listed = await runAsync(mixed.home, ['warnings', '--json', '-n', '100000']);
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.stdout) as { path: string; line_no: number }[];
    expect(new Set(rows.map((r) => `${r.path}:${r.line_no}`))).toEqual(warned);
  });

  it('every valid record is stored and published as without the mutants; nothing twice', () => {
    const result = compare(clean, mixed);
    expect(result.missingMessages).toEqual([]);
    expect(result.missingRows).toEqual([]);
    expect(result.unpublished).toBe(0);
    expect(result.serverMismatch).toBe(0);
    expect(result.duplicates).toBe(0);
    expect(clean.server.admin.rows().length).toBeGreaterThan(50);
  });
});
