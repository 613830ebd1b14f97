import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DiscoveryProblem } from '../../../src/sources/file-context.js';
import { discoverPi } from '../../../src/sources/pi.js';

function tree(files: string[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-pi-disc-'));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), '{}\n');
  }
  return root;
}

const A = '2026-01-02T00-00-00-000Z_aaaaaaaa-0000-4000-8000-000000000001.jsonl';
const B = '2026-01-01T00-00-00-000Z_bbbbbbbb-0000-4000-8000-000000000002.jsonl';

describe('pi discovery', () => {
  it('finds sessions/--<cwd>--/<ts>_<uuid>.jsonl under the agent dir, oldest name first', () => {
    const root = tree([
      `sessions/--work-a--/${A}`,
      `sessions/--work-b--/${B}`,
      'sessions/--work-a--/notes.txt',
      'auth.json',
    ]);
    const problems: DiscoveryProblem[] = [];
    const found = discoverPi(root, problems);
    expect(found.map((f) => path.relative(root, f.path))).toEqual([
      `sessions/--work-b--/${B}`,
      `sessions/--work-a--/${A}`,
    ]);
    expect(found[0]?.context).toEqual({
      path: found[0]?.path,
      assistant: 'pi',
      role: 'main',
      stem: B.replace(/\.jsonl$/, ''),
    });
    expect(found[0]?.compressed).toBe(false);
    expect(problems).toEqual([]);
  });

  it('accepts the sessions folder itself, and flat files of a custom session dir', () => {
    const root = tree([`sessions/--work-a--/${A}`, `sessions/${B}`]);
    const viaAgent = discoverPi(root, []).map((f) => f.path);
    const viaSessions = discoverPi(path.join(root, 'sessions'), []).map((f) => f.path);
    expect(viaSessions).toEqual(viaAgent);
    expect(viaAgent).toHaveLength(2);
  });

  it('is deterministic, reports what is named like a log but is not a file, and walks a linked folder once', () => {
    const root = tree([`sessions/--w--/${A}`]);
    fs.mkdirSync(path.join(root, 'sessions', '--w--', 'dir.jsonl'));
    fs.symlinkSync(path.join(root, 'sessions', '--w--'), path.join(root, 'sessions', '--again--'));
    fs.symlinkSync(path.join(root, 'nowhere.jsonl'), path.join(root, 'sessions', '--w--', 'dangling.jsonl'));
    const problems: DiscoveryProblem[] = [];
    const first = discoverPi(root, problems);
    expect(first).toHaveLength(1);
    expect(problems.map((p) => path.basename(p.path)).sort()).toEqual(['dangling.jsonl', 'dir.jsonl']);
    expect(discoverPi(root, [])).toEqual(first);
  });

  it('a missing directory is no problem (pi not installed)', () => {
    const problems: DiscoveryProblem[] = [];
    expect(discoverPi(path.join(os.tmpdir(), 'aiobscura-no-such-pi-dir'), problems)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
