import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DiscoveryProblem } from '../../../src/sources/file-context.js';
import { discoverGemini } from '../../../src/sources/gemini.js';

const PARENT = '4f1a2b3c-0000-4000-8000-00000000abcd';

/** A Gemini home as 0.40 lays it out, with legacy files and the leftovers discovery must not read. */
function home() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-gemini-disc-'));
  const g = path.join(root, '.gemini');
  const proj = path.join(g, 'tmp', 'my-app');
  const chats = path.join(proj, 'chats');
  const write = (p: string, text = '{}\n') => {
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text);
  };
  write(path.join(proj, '.project_root'), '  /home/jane/my-app\n');
  write(path.join(chats, 'session-2026-04-29T21-39-4f1a2b3c.jsonl'));
  write(path.join(chats, PARENT, 'child-9.jsonl'));
  write(path.join(chats, PARENT, 'child-9.jsonl.tmp-4242'));
  write(path.join(chats, 'session-2026-04-29T21-39-4f1a2b3c.jsonl.tmp-4242'));
  write(path.join(chats, 'session-2026-04-01T10-00-aaaaaaaa.jsonl.unreadable-1714000000'));
  // A legacy (≤ 0.38) session: read as format json.
  write(path.join(chats, 'session-2025-12-01T21-45-5b959dae.json'));
  // A legacy session resumed by ≥ 0.39: the .jsonl twin is read, the .json is neither read nor reported.
  write(path.join(chats, 'session-2026-01-16T11-01-37b7abef.json.tmp-4242'));
  write(path.join(chats, 'session-2026-01-16T11-01-37b7abef.json'));
  write(path.join(chats, 'session-2026-01-16T11-01-37b7abef.jsonl'));
  write(path.join(proj, 'logs.json'), '[]');
  // An older hash-named project folder without .project_root, and a non-project folder.
  write(path.join(g, 'tmp', '0b7dfb12', 'chats', 'session-2026-02-01T09-00-bbbbbbbb.jsonl'));
  fs.mkdirSync(path.join(g, 'tmp', 'bin'), { recursive: true });
  return { root, g, proj, chats };
}

function found(dir: string) {
  const problems: DiscoveryProblem[] = [];
  const files = discoverGemini(dir, problems);
  return { files, problems };
}

describe('Gemini discovery', () => {
  it('lists sessions and sub-agents with their roles, parent and project path, sorted by path', () => {
    const h = home();
    const { files, problems } = found(h.g);
    const rel = (p: string) => path.relative(path.join(h.g, 'tmp'), p);
    expect(files.map((f) => rel(f.path))).toEqual([
      '0b7dfb12/chats/session-2026-02-01T09-00-bbbbbbbb.jsonl',
      `my-app/chats/${PARENT}/child-9.jsonl`,
      'my-app/chats/session-2025-12-01T21-45-5b959dae.json',
      'my-app/chats/session-2026-01-16T11-01-37b7abef.jsonl',
      'my-app/chats/session-2026-04-29T21-39-4f1a2b3c.jsonl',
    ]);
    expect(
      files.map((f) => [f.context.role, f.context.parentSessionFromPath, f.context.projectPath]),
    ).toEqual([
      ['main', null, null],
      ['agent', PARENT, '/home/jane/my-app'],
      ['main', null, '/home/jane/my-app'],
      ['main', null, '/home/jane/my-app'],
      ['main', null, '/home/jane/my-app'],
    ]);
    expect(files[1]?.context).toMatchObject({ assistant: 'gemini', stem: 'child-9', format: 'jsonl' });
    expect(files[2]?.context).toMatchObject({
      assistant: 'gemini',
      stem: 'session-2025-12-01T21-45-5b959dae',
      format: 'json',
    });
    expect(files.filter((f) => f.context.format === 'json')).toHaveLength(1);
    expect(files.every((f) => !f.compressed)).toBe(true);
    expect(problems).toEqual([]);
  });

  it('accepts the tmp folder, a project folder or its chats folder as the directory given', () => {
    const h = home();
    const all = found(h.g).files.map((f) => f.path);
    expect(found(path.join(h.g, 'tmp')).files.map((f) => f.path)).toEqual(all);
    const own = all.filter((p) => p.startsWith(h.proj));
    expect(found(h.proj).files.map((f) => f.path)).toEqual(own);
    expect(found(h.chats).files.map((f) => f.path)).toEqual(own);
    expect(found(h.proj).files.every((f) => f.context.projectPath === '/home/jane/my-app')).toBe(true);
  });

  it('reports a directory named like a session file, and finds nothing (quietly) when Gemini is absent', () => {
    const h = home();
    fs.mkdirSync(path.join(h.chats, 'session-2026-05-01T00-00-cccccccc.jsonl'));
    expect(found(h.g).problems.map((p) => p.reason)).toContainEqual(expect.stringMatching(/is a directory/));
    expect(found(path.join(h.root, 'nowhere'))).toEqual({ files: [], problems: [] });
  });
});
