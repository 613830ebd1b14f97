/**
 * `aiobscura search` as a user runs it: the built CLI on a database filled by a real `sync` of the corpus.
 * Goldens are rare words read from the raw corpus files (test/support/corpus-words.ts), never our output.
 */

import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { SyncLock } from '../../src/sync/index.js';
import { CLI, fakeHome, type Home, run } from '../support/cli.js';
import { linkCorpus } from '../support/corpus.js';
import { rarePromptWords, uniqueDottedCall, type WordPick } from '../support/corpus-words.js';
import { spawn } from '../support/spawn.js';

interface Hit {
  rank: number;
  session_id: string;
  seq: number;
  thread: string;
  message_type: string;
  author_role: string;
  emitted_at: string;
  tool_name: string | null;
  assistant: string;
  project: string | null;
  score: number;
  column: string;
  snippet: string;
}
interface Result {
  query: string;
  match: string;
  total: number;
  hits: Hit[];
}

let home: Home;
let dirs: string[];
let picks: WordPick[];
const cli = (...args: string[]) => run(home, [...dirs, ...args]);
const search = (...args: string[]): Result => {
  const r = cli('search', ...args, '--json');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Result;
};
/** A line of a JavaScript stack trace. */
const STACK = /^\s+at .+:\d+:\d+\)?$/m;
const key = (h: Hit) => `${h.session_id}#${h.seq}`;

beforeAll(() => {
  home = fakeHome();
  const tree = linkCorpus();
  dirs = ['--claude-dir', tree.claudeDir, '--codex-dir', tree.codexDir];
  const r = run(home, [...dirs, 'sync', '--json']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).messages).toBeGreaterThan(3000);
  picks = rarePromptWords();
  expect(picks.length).toBeGreaterThanOrEqual(10);
  expect(picks.some((p) => p.assistant === 'codex')).toBe(true);
}, 60_000);

/** Runs the CLI in a real pseudo-terminal (`script`), returning everything it wrote there. */
function onTerminal(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, CLI, ...dirs, ...args]
    .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
    .join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: { ...home.env, SHELL: '/bin/sh', COLUMNS: '200', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString('utf8');
  });
  child.stderr!.on('data', (d: Buffer) => {
    output += d.toString('utf8');
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe('search finds what the logs hold', () => {
  it('finds each rare prompt word in a session of the files that hold it, as a prompt, highlighted', () => {
    for (const p of picks) {
      const r = search(p.word, '-n', '100');
      expect(r.hits.length, p.word).toBeGreaterThan(0);
      expect(r.total, p.word).toBe(r.hits.length);
      for (const h of r.hits) {
        expect(p.sessions, `${p.word} → ${h.session_id}`).toContain(h.session_id);
        expect(h.snippet.toLowerCase()).toContain(`«${p.word}»`);
      }
      const prompt = r.hits.find(
        (h) => h.message_type === 'prompt' && Date.parse(h.emitted_at) === Date.parse(p.at),
      );
      expect(prompt, `${p.word}: the prompt of ${p.at}`).toBeDefined();
      expect(prompt!.assistant).toBe(p.assistant);
      expect(r.hits.map((h) => h.rank)).toEqual(r.hits.map((_, i) => i + 1));
    }
  });

  it('ranks by relevance and stops at --limit, counting every match', () => {
    const all = search('file', '-n', '100000');
    expect(all.total).toBeGreaterThan(50);
    expect(all.hits).toHaveLength(all.total);
    const scores = all.hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const top = search('file', '-n', '5');
    expect(top.total).toBe(all.total);
    expect(top.hits.map(key)).toEqual(all.hits.slice(0, 5).map(key));
  });

  it('prints one block per hit on a pipe, matches between « and », and the way to see the session', () => {
    const p = picks[0]!;
    const r = cli('search', p.word);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('\u001b[');
    expect(r.stdout).toMatch(
      new RegExp(`^${p.sessions.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')}`),
    );
    expect(r.stdout.toLowerCase()).toContain(`«${p.word}»`);
    expect(r.stdout).toContain('aiobscura show SESSION');
    expect(cli('search', 'zzqqxxnotaword').stdout).toMatch(/^No messages match "zzqqxxnotaword"\./);
  });

  it('highlights in colour on a terminal, and with « » when NO_COLOR is set', async () => {
    const p = picks[1]!;
    const tty = await onTerminal(['search', p.word]);
    expect(tty.code).toBe(0);
    expect(tty.output).toMatch(/\u001b\[1;31m[^\u001b]+\u001b\[0m/);
    expect(tty.output).not.toContain('«');
    const plain = await onTerminal(['search', p.word], { NO_COLOR: '1' });
    expect(plain.code).toBe(0);
    expect(plain.output).not.toContain('\u001b[1;31m');
    expect(plain.output.toLowerCase()).toContain(`«${p.word}»`);
  });
});

describe('filters', () => {
  const subset = (all: Result, keep: (h: Hit) => boolean) => all.hits.filter(keep).map(key).sort();
  const keys = (r: Result) => r.hits.map(key).sort();

  it('--assistant, --project, --since and --type select exactly the matching subset', () => {
    const all = search('error', '-n', '100000');
    expect(all.total).toBeGreaterThan(20);
    for (const a of ['claude', 'codex']) {
      expect(keys(search('error', '-n', '100000', '--assistant', a))).toEqual(
        subset(all, (h) => h.assistant === a),
      );
    }
    const project = 'Workspace/Claude-Code-Log';
    const inProject = search('error', '-n', '100000', '--project', project);
    expect(inProject.total).toBeGreaterThan(0);
    expect(keys(inProject)).toEqual(
      subset(all, (h) => (h.project ?? '').toLowerCase().includes(project.toLowerCase())),
    );
    const since = '2025-10-01T00:00:00.000Z';
    const recent = search('error', '-n', '100000', '--since', since);
    expect(recent.total).toBeGreaterThan(0);
    expect(recent.total).toBeLessThan(all.total);
    expect(keys(recent)).toEqual(subset(all, (h) => h.emitted_at >= since));
    expect(search('error', '-n', '100000', '--since', '99999d').total).toBe(all.total);
    const tools = search('error', '-n', '100000', '--type', 'tool_call,tool_result');
    expect(tools.total).toBeGreaterThan(0);
    expect(keys(tools)).toEqual(
      subset(all, (h) => h.message_type === 'tool_call' || h.message_type === 'tool_result'),
    );
    expect(keys(search('error', '-n', '100000', '--type', 'prompt', '--type', 'thinking'))).toEqual(
      subset(all, (h) => h.message_type === 'prompt' || h.message_type === 'thinking'),
    );
  });

  it('a word of one assistant is not found under the other', () => {
    const p = picks.find((x) => x.assistant === 'claude' && x.sessions.length === 1)!;
    expect(search(p.word, '--assistant', 'codex').total).toBe(0);
    expect(search(p.word, '--assistant', 'claude').total).toBeGreaterThan(0);
    expect(search(p.word, '--project', 'no-such-project-anywhere').total).toBe(0);
  });

  it('rejects a bad --since, an unknown --type and a missing query in one clear line', () => {
    for (const [args, text] of [
      [['search', 'x', '--since', 'yesterday-ish'], '--since'],
      [['search', 'x', '--type', 'prompts'], 'unknown message type "prompts"'],
      [['search', 'x', '--assistant', 'gpt'], '--assistant'],
      [['search'], 'missing the query'],
    ] as const) {
      const r = cli(...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr).toContain(text);
      expect(r.stderr).not.toMatch(STACK);
    }
    expect(cli('search', 'x', '--type', 'bogus').stderr).toContain('prompt, response, thinking, tool_call');
  });
});

describe('query syntax', () => {
  it('takes punctuation, quotes and FTS5 operators as plain text without an error', () => {
    for (const q of [
      'foo.bar()',
      "don't",
      '"unclosed',
      'a AND',
      'NOT',
      'OR x',
      'col:umn',
      '(x',
      'x)',
      '^x',
      'NEAR(',
      '-x',
      'a"b',
      'x*',
    ]) {
      // `--` ends the options, as usual, so that a query may start with a dash.
      const r = cli('search', '--json', '--', q);
      expect(r.stderr, q).toBe('');
      expect(r.code, q).toBe(0);
      expect(JSON.parse(r.stdout).query).toBe(q);
    }
    const none = cli('search', '()', '***');
    expect(none.code).toBe(64);
    expect(none.stderr).toBe(
      'aiobscura: search: "() ***" has no letters or digits to search for; type at least one word\n',
    );
  });

  it('finds a dotted call typed with its punctuation in the one session that holds it', () => {
    const golden = uniqueDottedCall();
    expect(golden).not.toBeNull();
    const r = search(golden!.call);
    expect(r.hits.length).toBeGreaterThan(0);
    for (const h of r.hits) {
      expect(golden!.sessions).toContain(h.session_id);
      // FTS5 marks a phrase as one stretch, punctuation included.
      expect(h.snippet.toLowerCase()).toMatch(new RegExp(`«${golden!.parts[0]}\\W+${golden!.parts[1]}»`));
    }
  });

  it('matches "quoted phrases" only with the words together, and word* as a prefix', () => {
    const golden = uniqueDottedCall()!;
    const [a, b] = golden.parts;
    const phrase = search(`"${a} ${b}"`, '-n', '1000');
    expect(phrase.total).toBeGreaterThan(0);
    expect(phrase.hits.map(key).sort()).toEqual(search(golden.call, '-n', '1000').hits.map(key).sort());
    // Both words anywhere: at least the messages where they stand together.
    const both = search(b, a, '-n', '100000');
    expect(both.hits.map(key)).toEqual(expect.arrayContaining(phrase.hits.map(key)));
    const p = picks[2]!;
    const prefix = search(`${p.word.slice(0, -2)}*`, '-n', '100000');
    expect(prefix.hits.map(key)).toEqual(expect.arrayContaining(search(p.word, '-n', '100').hits.map(key)));
    expect(prefix.total).toBeGreaterThanOrEqual(search(p.word).total);
  });

  it('--fts runs FTS5 syntax, and a syntax error is one clear line', () => {
    const [p, q] = [picks[3]!, picks[4]!];
    const either = search('--fts', `${p.word} OR ${q.word}`, '-n', '1000');
    const union = [...search(p.word, '-n', '1000').hits, ...search(q.word, '-n', '1000').hits].map(key);
    expect(either.hits.map(key).sort()).toEqual([...new Set(union)].sort());
    for (const bad of ['foo AND', 'nosuchcolumn: foo', '"open']) {
      const r = cli('search', '--fts', bad);
      expect(r.code, bad).toBe(64);
      expect(r.stderr, bad).toMatch(/^aiobscura: search --fts: .+ in ".+"; see the FTS5 query syntax/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('--json', () => {
  it('has one shape with snake_case keys', () => {
    const r = search(picks[0]!.word);
    expect(Object.keys(r)).toEqual(['query', 'match', 'total', 'hits']);
    expect(r.match).toBe(`"${picks[0]!.word}"`);
    const hitKeys = [
      'rank',
      'session_id',
      'seq',
      'thread',
      'message_type',
      'author_role',
      'emitted_at',
      'tool_name',
      'assistant',
      'project',
      'score',
      'column',
      'snippet',
    ];
    for (const h of r.hits) {
      expect(Object.keys(h)).toEqual(hitKeys);
      expect(typeof h.seq).toBe('number');
      expect(['content', 'tool_name', 'tool_input', 'tool_result']).toContain(h.column);
      expect(h.snippet).not.toMatch(/[\u0000-\u001f]/);
    }
  });
});

describe('--reindex and --check', () => {
  it('rebuilds an emptied index so every message is found again; --check tells damaged from sound', () => {
    const p = picks[5]!;
    const before = search(p.word, '-n', '100').hits.map(key);
    expect(before.length).toBeGreaterThan(0);
    expect(cli('search', '--check').code).toBe(0);

    const db = new Database(home.db);
    const messages = db.prepare('SELECT count(*) FROM messages').pluck().get() as number;
    db.exec("INSERT INTO messages_fts (messages_fts) VALUES ('delete-all')");
    db.close();
    expect(search(p.word).total).toBe(0);
    const damaged = cli('search', '--check');
    expect(damaged.code).toBe(1);
    expect(damaged.stdout).toContain('aiobscura search --reindex');

    const r = cli('search', '--reindex', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.reindexed).toBe(messages);
    expect(report.index_bytes).toBeGreaterThan(0);
    expect(report.index_bytes).toBeLessThan(report.database_bytes);
    expect(search(p.word, '-n', '100').hits.map(key)).toEqual(before);
    const check = cli('search', '--check', '--json');
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout).ok).toBe(true);
    expect(cli('search', '--reindex', 'word').code).not.toBe(0);
  });

  it('shows progress on a terminal', async () => {
    const r = await onTerminal(['search', '--reindex']);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/reindex \[.*\] \d+% \| \d+\/\d+ messages/);
    expect(r.output).toMatch(/Search index rebuilt: [\d,]+ messages in/);
  });

  it('refuses while a sync holds the database, and says so', () => {
    const lock = SyncLock.acquire(home.db);
    try {
      const r = cli('search', '--reindex');
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('another aiobscura sync is running on this database');
    } finally {
      lock.release();
    }
  });
});
