import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Assistant, type ResolvedConfig, resolveConfig } from '../../src/config/index.js';
import { type Db, openDatabase } from '../../src/store/index.js';
import { type PassSummary, SyncPass } from '../../src/sync/index.js';

/** A config for a temp tree; never reads the user's real home or config. */
export function testConfig(dirs: {
  claudeDir: string;
  codexDir: string;
  databasePath?: string;
}): ResolvedConfig {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-test-'));
  return resolveConfig(
    {
      configPath: path.join(root, 'absent.toml'),
      databasePath: dirs.databasePath ?? path.join(root, 'data.db'),
      claudeDir: dirs.claudeDir,
      codexDir: dirs.codexDir,
    },
    { HOME: root },
  );
}

/**
 * A config for a temp tree `root` whose agents' logs are in `dirs` (the others default under `root`, which
 * lacks them): no config file, the database `<root>/<name>.db`. Never reads the user's real home or config.
 */
export function agentConfig(
  root: string,
  dirs: Partial<Record<Assistant, string>>,
  name = 'data',
): ResolvedConfig {
  return resolveConfig(
    { configPath: path.join(root, 'absent.toml'), databasePath: path.join(root, `${name}.db`), dirs },
    { HOME: root },
  );
}

/** Runs sync passes in-process against a real database file, like `aiobscura sync` does. */
export class TestSync {
  readonly db: Db;
  private readonly pass: SyncPass;

  constructor(
    readonly config: ResolvedConfig,
    clock: () => Date = () => new Date(),
  ) {
    this.db = openDatabase(config.databasePath);
    this.pass = new SyncPass(this.db, config, clock);
  }

  run(): Promise<PassSummary> {
    return this.pass.run(() => false);
  }

  close(): void {
    this.db.close();
  }
}

export interface StoredMessage {
  session_id: string;
  seq: number;
  identity: string;
  message_type: string;
  author_role: string;
  content: string | null;
  tool_use_id: string | null;
  tokens_output: number | null;
}

export function storedMessages(db: Db): StoredMessage[] {
  return db
    .prepare(
      `SELECT session_id, seq, identity, message_type, author_role, content, tool_use_id, tokens_output
       FROM messages ORDER BY session_id, seq`,
    )
    .all() as StoredMessage[];
}

export function tokenTotals(db: Db): Record<string, number> {
  return db
    .prepare(
      `SELECT count(*) AS responses, coalesce(sum(input),0) AS input, coalesce(sum(output),0) AS output,
         coalesce(sum(cache_read),0) AS cacheRead, coalesce(sum(cache_creation),0) AS cacheCreation FROM responses`,
    )
    .get() as Record<string, number>;
}

export function links(db: Db): { session_id: string; spawned_by_tool_use_id: string }[] {
  return db
    .prepare(
      `SELECT session_id, spawned_by_tool_use_id FROM threads WHERE spawned_by_tool_use_id IS NOT NULL
       ORDER BY session_id`,
    )
    .all() as { session_id: string; spawned_by_tool_use_id: string }[];
}

/** Appends `data` to `file` in chunks of `sizes(i)` bytes (at least 1), running a sync pass after each chunk. */
export async function appendInChunks(
  s: { run(): Promise<unknown> },
  file: string,
  data: Buffer,
  sizes: (i: number) => number,
): Promise<void> {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const n = Math.min(Math.max(1, sizes(i)), data.length - at);
    fs.appendFileSync(file, data.subarray(at, at + n));
    at += n;
    await s.run();
  }
}
