import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ResolvedConfig, resolveConfig } from '../../src/config/index.js';
import { openDatabase } from '../../src/store/index.js';
import { runSync, type SyncResult } from '../../src/sync/index.js';
import { type Credentials, type RunningCatsyphonServer, startCatsyphonServer } from './catsyphon/index.js';
import { CORPUS_DIR } from './corpus.js';

export const SPLIT_CLAUDE = path.join(
  CORPUS_DIR,
  'claude-code-log/test/test_data/real_projects/-experiments-ideas/03eb5929-52b3-4b13-ada3-b93ae35806b8.jsonl',
);

export interface PublishEnv {
  server: RunningCatsyphonServer;
  creds: Credentials;
  root: string;
  claudeDir: string;
  codexDir: string;
  configPath: string;
  databasePath: string;
  /** Resolved config with the collector enabled against the test server (extra keys override). */
  config(extra?: Record<string, string | number | boolean>): ResolvedConfig;
  /**
   * Copies a corpus file into the Claude tree as `<session>.jsonl` of project `-w`, keeping its (old) mtime:
   * it is finished history, so its last response is final at once (idle), as a real old log's is.
   */
  addClaude(file: string, name?: string): string;
  sync(extra?: Record<string, string | number | boolean>): Promise<SyncResult>;
  /** Publishable local messages and how many events they map to is what the server must end up with. */
  localMessages(): number;
  close(): Promise<void>;
}

function toml(values: Record<string, string | number | boolean>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k} = ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}

export async function publishEnv(opts: { legacy?: boolean } = {}): Promise<PublishEnv> {
  const server = await startCatsyphonServer({ host: '127.0.0.1', port: 0, legacy: opts.legacy ?? false });
  const creds = server.admin.registerCollector();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-pub-'));
  const claudeDir = path.join(root, 'claude');
  const codexDir = path.join(root, 'codex');
  fs.mkdirSync(path.join(claudeDir, 'projects', '-w'), { recursive: true });
  const configPath = path.join(root, 'config.toml');
  const databasePath = path.join(root, 'data.db');
  const env: PublishEnv = {
    server,
    creds,
    root,
    claudeDir,
    codexDir,
    configPath,
    databasePath,
    config(extra = {}) {
      const collector = {
        enabled: true,
        server_url: server.url,
        collector_id: creds.collectorId,
        api_key: creds.apiKey,
        flush_interval_secs: 0,
        timeout_secs: 2,
        shutdown_timeout_secs: 15,
        ...extra,
      };
      fs.writeFileSync(configPath, `[collector]\n${toml(collector)}\n`);
      return resolveConfig({ configPath, databasePath, claudeDir, codexDir }, { HOME: root });
    },
    addClaude(file, name) {
      const target = path.join(claudeDir, 'projects', '-w', name ?? path.basename(file));
      fs.cpSync(file, target, { preserveTimestamps: true });
      return target;
    },
    sync(extra) {
      return runSync(env.config(extra), { watch: false });
    },
    localMessages() {
      const db = openDatabase(databasePath);
      try {
        return db.prepare('SELECT count(*) FROM messages WHERE publishable = 1').pluck().get() as number;
      } finally {
        db.close();
      }
    },
    close: () => server.close(),
  };
  return env;
}

/** Stored server rows of one session must be unique by hash: a duplicate is a stored-twice bug. */
export function duplicateHashes(rows: readonly { sessionId: string; hash: string }[]): string[] {
  const seen = new Set<string>();
  const dup: string[] = [];
  for (const r of rows) {
    const k = `${r.sessionId} ${r.hash}`;
    if (seen.has(k)) dup.push(k);
    seen.add(k);
  }
  return dup;
}

/**
 * What the server must hold after a complete publish: every event the client numbered for a publishable
 * message (session_start and fillers are not stored by the server), minus refused ones; and every
 * publishable message must have been numbered, up to the first message of its session that may still change
 * (a session is published in seq order and waits there).
 */
export function expectedServerHashes(databasePath: string): {
  hashes: Set<string>;
  sequences: Set<string>;
  uncovered: number;
} {
  const db = openDatabase(databasePath);
  try {
    const stored = (column: string) =>
      new Set(
        db
          .prepare(
            `SELECT s.session_id || ' ' || s.${column} FROM collector_sent s
           WHERE s.event_type IN ('message', 'tool_call', 'tool_result', 'thinking', 'error')
             AND NOT EXISTS (SELECT 1 FROM collector_rejections r WHERE r.session_id = s.session_id AND r.event_hash = s.event_hash)`,
          )
          .pluck()
          .all() as string[],
      );
    const hashes = stored('event_hash');
    const sequences = stored('sequence');
    const uncovered = db
      .prepare(
        `SELECT count(*) FROM messages m WHERE m.publishable = 1 AND NOT EXISTS (
           SELECT 1 FROM collector_sent s WHERE s.session_id = m.session_id AND s.message_seq = m.seq)
           AND NOT EXISTS (SELECT 1 FROM messages o WHERE o.session_id = m.session_id AND o.seq < m.seq
             AND o.publishable = 0)`,
      )
      .pluck()
      .get() as number;
    return { hashes, sequences, uncovered };
  } finally {
    db.close();
  }
}
