/**
 * Issue 4 item 4, the key-leak search. A server in `echoAuth` mode copies the request's Authorization header,
 * raw, URL-encoded and base64, into every error body, 422 message, 500 detail, protocol-error body and
 * redirect `Location`. The compiled CLI runs against it as users run it (`collector register`, `sync`,
 * `collector status/stats/rejections/sessions --json`, `collector resume`, a second `register --force` that
 * rewrites the config), with faults chosen so that echoed text reaches every place the client stores or
 * prints server text. Then everything the product could have written is searched for the two keys in every
 * form: stdout and stderr of every process, every file under the fake HOME (the database, its WAL, the config
 * directory), and every column of every table of the database. Only the 12-character prefix may appear.
 * (The CLI has no log file option and `config.toml` is rewritten atomically without a backup; the one file
 * that must hold the current key is `config.toml`, on its `api_key` line, and nowhere else in it.)
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { type Fault, type RunningCatsyphonServer, startCatsyphonServer } from '../support/catsyphon/index.js';
import { fakeHome, type Home, runAsync } from '../support/cli.js';
import { configPath, expectPublishedOnce, query, writeCollectorConfig } from '../support/collector-home.js';
import { CORPUS_DIR } from '../support/corpus.js';
import { SPLIT_CLAUDE } from '../support/publish.js';
import { needs } from '../support/shared.js';

const shared = needs('corpus', 'catsyphon-openapi');

const BIG_CLAUDE = path.join(
  CORPUS_DIR,
  'claude-code-log/test/test_data/real_projects/-Users-dain-workspace-claude-code-log-sample/fe869ecb-c176-478f-9734-7e4b8ef12cff.jsonl',
);

/**
 * Long and distinctive, with `+`, `/` and `=` so the raw, URL-encoded, base64 and base64url forms all differ,
 * and so any 16-character window of a form found anywhere can only come from the key.
 */
const KEY_1 = 'cs_live_LeakCanary+q7/Zx9=Wv3+Rt6/Yp2=Mk8+Hs4/Jd5=Nb1+Fg0/Lc7=Xe9+Ty2/Uo4=Qi6';
const KEY_2 = 'cs_live_SecondCanary/Aa1+Bb2=Cc3/Dd4+Ee5=Ff6/Gg7+Hh8=Ii9/Jj0+Kk1=Ll2/Mm3+Nn4';
const PREFIX = 12;
/** Any run of this many characters of a form counts as a leak (the visible prefix is 12). */
const WINDOW = 16;

function windows(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + WINDOW <= text.length; i++) out.push(text.slice(i, i + WINDOW));
  return out;
}

/** base64 of `plain` wherever it starts in a longer input: the characters that depend on `plain` alone. */
function base64Interiors(plain: string): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.from(`${'\0'.repeat(shift)}${plain}`).toString('base64');
    const interior = encoded.slice(4, -4);
    out.push(interior, interior.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

/** Every form of the key a leak could take, cut into windows; the prefix alone is not in any of them. */
function forbiddenWindows(key: string): Map<string, string> {
  const forms: Record<string, string> = {
    raw: key,
    secret: key.slice(PREFIX),
    urlencoded: encodeURIComponent(key),
    'urlencoded-lower': encodeURIComponent(key).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
  };
  base64Interiors(key).forEach((f, i) => {
    forms[`base64-${i}`] = f;
  });
  base64Interiors(`Bearer ${key}`).forEach((f, i) => {
    forms[`bearer-base64-${i}`] = f;
  });
  const out = new Map<string, string>();
  for (const [name, form] of Object.entries(forms)) for (const w of windows(form)) out.set(w, name);
  return out;
}

const FORBIDDEN = new Map([...forbiddenWindows(KEY_1), ...forbiddenWindows(KEY_2)]);

/** The forms found in `text`: one entry per form (`raw`, `base64-1`, …) with the first excerpt. */
function leaks(where: string, text: string): string[] {
  const found = new Map<string, string>();
  for (const [w, form] of FORBIDDEN) {
    const at = text.indexOf(w);
    if (at >= 0 && !found.has(form)) {
      found.set(form, `${where}: ${form} …${text.slice(Math.max(0, at - 20), at + WINDOW + 20)}…`);
    }
  }
  return [...found.values()];
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : e.isFile() ? [p] : [];
  });
}

/** Every value of every column of every table (TEXT and BLOB alike), as text. */
function databaseLeaks(file: string): { leaks: string[]; values: number } {
  const db = new Database(file, { readonly: true });
  const found: string[] = [];
  let values = 0;
  try {
    const tables = db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`)
      .pluck()
      .all() as string[];
    for (const table of tables) {
      const columns = db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[];
      for (const { name } of columns) {
        const cells = db.prepare(`SELECT "${name}" FROM "${table}"`).pluck().all() as unknown[];
        for (const cell of cells) {
          if (typeof cell !== 'string' && !Buffer.isBuffer(cell)) continue;
          values++;
          const text = typeof cell === 'string' ? cell : cell.toString('latin1');
          found.push(...leaks(`${table}.${name}`, text));
        }
      }
    }
  } finally {
    db.close();
  }
  return { leaks: found, values };
}

let server: RunningCatsyphonServer;
afterEach(async () => {
  await server?.close();
});

shared.describe('a server that echoes the Authorization header everywhere', () => {
  it('never gets the key into output, files or the database beyond its 12-character prefix', async () => {
    server = await startCatsyphonServer({ host: '127.0.0.1', port: 0, echoAuth: true });
    const { workspaceId } = server.admin.setupWorkspace();
    const home: Home = fakeHome();
    const dir = path.join(home.claudeProjects, '-w');
    fs.mkdirSync(dir);
    for (const f of [SPLIT_CLAUDE, BIG_CLAUDE]) fs.copyFileSync(f, path.join(dir, path.basename(f)));
    writeCollectorConfig(home, { flush_interval_secs: 0, batch_size: 10, timeout_secs: 1, max_retries: 1 });

    const outputs: { what: string; text: string }[] = [];
    const run = async (args: string[]) => {
      const r = await runAsync(home, args);
      outputs.push(
        { what: `${args.join(' ')} stdout`, text: r.stdout },
        { what: `${args.join(' ')} stderr`, text: r.stderr },
      );
      return r;
    };
    const register = async (key: string) => {
      server.admin.issueNextApiKey(key);
      const r = await run([
        'collector',
        'register',
        '--server',
        server.url,
        '--workspace-id',
        workspaceId,
        '--force',
        '--json',
      ]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).api_key_prefix).toBe(`${key.slice(0, PREFIX)}…`);
    };
    const events = { method: 'POST', path: '/collectors/events' };
    const script = (fault: Fault, times = 1, match = events) =>
      server.admin.scriptFault(fault, { match, times });
    // Read-only commands: run side by side.
    const inspect = () =>
      Promise.all([
        run(['collector', 'status', '--json']),
        run(['collector', 'stats', '--json']),
        run(['collector', 'rejections', '--json']),
        run(['collector', 'sessions', '--all', '--json']),
      ]);

    await register(KEY_1);

    // 1. Events refused with the echo in their 422 message and in a 500 value error: stored as rejections.
    script({
      kind: 'status',
      status: 422,
      body: {
        detail: [
          { type: 'value_error', loc: ['body', 'events', 2], msg: 'Value error, synthetic', input: {} },
        ],
      },
    });
    script({ kind: 'status', status: 500, body: { detail: "'robot' is not a valid AuthorRole" } }, 4);
    // 2. Protocol errors whose bodies carry the echo: stored as the session's error_message. Each lasts
    // the first attempt and its retry (max_retries = 1), so the round fails and something is left to send.
    script({ kind: 'malformed-json' }, 2);
    script({ kind: 'html200' }, 2);
    await run(['sync', '--json']);
    await inspect();

    // 3. Transient errors: a JSON 500 detail and a text/plain 500 with the echo; a session status read too.
    script({ kind: 'status', status: 500, body: { detail: 'database is locked' } }, 2);
    script({ kind: 'status', status: 503, body: 'Service Unavailable', contentType: 'text/plain' }, 2);
    await run(['sync', '--json']);
    script({ kind: 'status', status: 500, body: { detail: 'boom' } }, 1, {
      method: 'GET',
      path: '/collectors/sessions/',
    });
    await run(['collector', 'status', '03eb5929', '--json']);

    // 4. A 401 whose detail echoes the header: publishing pauses with that detail stored and shown.
    script({ kind: 'status', status: 401, body: { detail: 'Invalid API key' } });
    await run(['sync', '--json']);
    await inspect();
    await run(['collector', 'resume']);

    // 5. A redirect whose Location carries the header: pauses, Location stored and shown.
    script({ kind: 'redirect' });
    await run(['sync', '--json']);
    await inspect();
    await run(['collector', 'resume']);

    // 6. New credentials: the config is rewritten; the new key meets the same server.
    await register(KEY_2);
    script({ kind: 'status', status: 500, body: { detail: 'again' } }, 2);
    script({ kind: 'malformed-json', status: 422 }, 10);
    await run(['sync', '--json']);
    await inspect();
    script({ kind: 'status', status: 403, body: { detail: 'Collector is disabled' } });
    await run(['sync', '--json']);
    await run(['collector', 'resume']);

    // 7. The fault clears: everything not refused is published, once.
    server.admin.clearFaults();
    const last = await run(['sync', '--json']);
    expect(JSON.parse(last.stdout).publish).toEqual({ remainingSessions: 0, reason: null });
    await inspect();
    expectPublishedOnce(server, home);

    // The run really went through the echo: both keys were sent, every fault fired, and the masked prefix
    // stands where the server put the key, in the database and in the output.
    const sent = new Set(server.admin.requests().map((r) => r.headers.authorization));
    expect(sent).toContain(`Bearer ${KEY_1}`);
    expect(sent).toContain(`Bearer ${KEY_2}`);
    expect(Object.keys(server.admin.counters().faults).sort()).toEqual(
      ['html200', 'malformed-json', 'redirect', 'status'].sort(),
    );
    const masked = (key: string) => `${key.slice(0, PREFIX)}…`;
    const stored = JSON.stringify([
      query(home, 'SELECT detail FROM collector_rejections'),
      query(home, 'SELECT error_message FROM collector_publish_state'),
    ]);
    expect(stored).toContain(masked(KEY_1));
    const rejections = query<{ detail: string }>(home, 'SELECT detail FROM collector_rejections');
    expect(rejections.some((r) => r.detail.includes(masked(KEY_1)))).toBe(true);
    const allOutput = outputs.map((o) => o.text).join('\n');
    expect(allOutput).toContain(masked(KEY_1));
    expect(allOutput).toContain(masked(KEY_2));

    // The search itself finds a key when there is one.
    const config = fs.readFileSync(configPath(home), 'utf8');
    expect(leaks('config.toml', config).length).toBeGreaterThan(0);
    expect(leaks('self-check', Buffer.from(`Bearer ${KEY_1}`).toString('base64url')).length).toBeGreaterThan(
      0,
    );
    expect(leaks('self-check', encodeURIComponent(KEY_2.slice(20))).length).toBeGreaterThan(0);

    // The search.
    const found: string[] = [];
    for (const o of outputs) found.push(...leaks(o.what, o.text));
    const files = walk(home.root);
    expect(files).toContain(home.db);
    for (const file of files) {
      let text = fs.readFileSync(file).toString('latin1');
      if (file === configPath(home)) {
        // The one allowed place: the current key on its own line, once.
        const line = `api_key = ${JSON.stringify(KEY_2)}`;
        expect(text.split('\n').filter((l) => l === line)).toHaveLength(1);
        text = text.replace(line, '');
      }
      found.push(...leaks(path.relative(home.root, file), text));
    }
    const db = databaseLeaks(home.db);
    expect(db.values).toBeGreaterThan(1000);
    found.push(...db.leaks);
    expect(found).toEqual([]);
  });
});
