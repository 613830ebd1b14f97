/**
 * A mutable format writes a newer version of a message under its identity (ParsedMessage.upsert). Once the
 * message may be on the server it must not change, and the user is told when the agent changed it anyway.
 * A row touched without a change to anything stored (OpenCode marks a part compacted, a tool part's
 * timing is rewritten) is the same message: no update and no warning.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { assistantData, OpenCodeDb, textPart, tokens, userData } from '../support/opencode-db.js';
import { TestSync } from '../support/sync.js';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

it('a published message touched without a change is left alone; a real change is a named warning', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-upsert-'));
  const dir = path.join(root, 'opencode');
  const oc = new OpenCodeDb(path.join(dir, 'opencode.db'));
  cleanups.push(() => oc.close());
  oc.session({ id: 'ses_1', created: T0 });
  oc.message('ses_1', 'msg_u', userData(T0), T0);
  oc.part('ses_1', 'msg_u', 'prt_u', textPart('hello?'), T0);
  const done = { completed: T0 + 900, finish: 'stop', tokens: tokens(10, 5) };
  oc.message('ses_1', 'msg_a', assistantData('msg_u', T0 + 100, done), T0 + 100, T0 + 900);
  oc.part('ses_1', 'msg_a', 'prt_a', textPart('hello!'), T0 + 200);

  const sync = new TestSync(
    resolveConfig(
      {
        configPath: path.join(root, 'absent.toml'),
        databasePath: path.join(root, 'data.db'),
        dirs: { opencode: dir },
      },
      { HOME: root },
    ),
  );
  cleanups.push(() => sync.close());
  await sync.run();
  const answer = () =>
    sync.db.prepare("SELECT content, publishable FROM messages WHERE identity = 'opencode:prt_a'").get();
  expect(answer()).toEqual({ content: 'hello!', publishable: 1 });
  // The collector acknowledged everything of the session: every message may be on the server.
  sync.db
    .prepare("INSERT INTO collector_publish_state (session_id, last_published_seq) VALUES ('ses_1', 1000)")
    .run();
  const warnings = () =>
    sync.db.prepare("SELECT reason FROM ingest_warnings WHERE reason LIKE '%changed after%'").pluck().all();

  oc.updatePart(
    'prt_a',
    { ...textPart('hello!'), time: { start: T0 + 200, end: T0 + 800, compacted: T0 + 5000 } },
    T0 + 5000,
  );
  await sync.run();
  expect(warnings()).toEqual([]);
  expect(answer()).toEqual({ content: 'hello!', publishable: 1 });

  oc.updatePart('prt_a', textPart('hello, edited'), T0 + 6000);
  await sync.run();
  expect(warnings()).toEqual([
    'message opencode:prt_a changed after it was published; the server keeps the earlier version',
  ]);
  expect(answer()).toEqual({ content: 'hello!', publishable: 1 });
});
