/**
 * The end-to-end half of the hostile-input check: session files that mix real lines with mutated ones are
 * synced by the real CLI process, with the collector publishing to the test server, and compared with the
 * same files without the mutated lines (synced by another process into another server).
 *
 * Mutants are placed after the line they were made from, so a valid record always claims its identity first
 * (a mutant that keeps the identity is then a duplicate, as a resumed copy would be). Codex `session_meta`
 * lines are not mutated here: a changed session id in mid-file is, by design, the start of a forked thread's
 * replay, which legitimately re-attributes the lines after it (the parser-level check damages them freely).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { decodeLine } from '../../src/reader/index.js';
import { type RunningCatsyphonServer, startCatsyphonServer } from '../../test/support/catsyphon/index.js';
import { fakeHome, type Home, runAsync } from '../../test/support/cli.js';
import { expectedServerHashes } from '../../test/support/publish.js';
import {
  applyMutation,
  describeMutation,
  type MutationSizes,
  mutationArb,
  type SourceLine,
} from './mutate.js';

export interface MixedFile {
  /** Where the file is written below the fake home (relative). */
  rel: string;
  clean: Buffer;
  mixed: Buffer;
  /** 1-based line numbers of the mutants in `mixed`, with what was done and whether the line is invalid JSON. */
  mutants: { lineNo: number; what: string; invalidJson: boolean }[];
}

/** Builds the clean and the mixed version of one corpus file with `count` mutants (deterministic for a seed). */
export function mixFile(
  rel: string,
  lines: SourceLine[],
  count: number,
  seed: number,
  sizes: MutationSizes,
): MixedFile {
  const sources = lines
    .map((l, i) => ({ l, i }))
    .filter(({ l }) => l.assistant === 'claude' || !l.bytes.includes('"type":"session_meta"'));
  const picks = fc.sample(fc.tuple(fc.nat({ max: sources.length - 1 }), mutationArb(sizes)), {
    seed,
    numRuns: count,
  });
  const after = new Map<number, { bytes: Buffer; what: string }[]>();
  for (const [k, m] of picks) {
    const { l, i } = sources[k]!;
    const list = after.get(i) ?? [];
    list.push({ bytes: applyMutation(l.bytes, m), what: describeMutation(l.bytes, m) });
    after.set(i, list);
  }
  const clean: Buffer[] = [];
  const mixed: Buffer[] = [];
  const mutants: MixedFile['mutants'] = [];
  lines.forEach((l, i) => {
    clean.push(l.bytes, Buffer.from('\n'));
    mixed.push(l.bytes, Buffer.from('\n'));
    for (const m of after.get(i) ?? []) {
      mixed.push(m.bytes, Buffer.from('\n'));
      const invalidJson = decodeLine(m.bytes.toString('utf8')).warning !== undefined;
      mutants.push({ lineNo: mixed.length / 2, what: m.what, invalidJson });
    }
  });
  return { rel, clean: Buffer.concat(clean), mixed: Buffer.concat(mixed), mutants };
}

/** Relative path of a corpus file inside a fake home, the way the assistants lay them out. */
export function homePath(assistant: 'claude' | 'codex', name: string): string {
  const stem = name.replace(/\.jsonl$/, '').replace(/[^A-Za-z0-9-]+/g, '-');
  return assistant === 'claude'
    ? path.join('.claude', 'projects', '-hostile', `${stem}.jsonl`)
    : path.join('.codex', 'sessions', '2026', '01', '01', `rollout-2026-01-01T00-00-00-${stem}.jsonl`);
}

export interface SyncedHome {
  home: Home;
  server: RunningCatsyphonServer;
  /** Exit code, stdout and stderr of `aiobscura sync --json`. */
  sync: { code: number | null; stdout: string; stderr: string };
}

/** A fake home with the collector enabled against a fresh test server, the files written, synced once. */
export async function syncHome(
  files: { rel: string; bytes: Buffer }[],
  prepare: (home: Home) => void = () => {},
): Promise<SyncedHome> {
  const server = await startCatsyphonServer({ host: '127.0.0.1', port: 0 });
  const creds = server.admin.registerCollector();
  const home = fakeHome();
  writeCollectorConfig(home, server.url, creds);
  // An hour old: every assistant group counts as idle and closes, so everything stored is publishable.
  const past = new Date(Date.now() - 3600_000);
  for (const f of files) {
    const full = path.join(home.root, f.rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, f.bytes);
    fs.utimesSync(full, past, past);
  }
  prepare(home);
  const sync = await runAsync(home, ['sync', '--json']);
  return { home, server, sync };
}

export function writeCollectorConfig(
  home: Home,
  url: string,
  creds: { collectorId: string; apiKey: string },
  extra: Record<string, string | number | boolean> = {},
): void {
  const values = {
    enabled: true,
    server_url: url,
    collector_id: creds.collectorId,
    api_key: creds.apiKey,
    flush_interval_secs: 0,
    timeout_secs: 5,
    ...extra,
  };
  const dir = path.join(home.root, 'config', 'aiobscura');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'config.toml'),
    `[collector]\n${Object.entries(values)
      .map(([k, v]) => `${k} = ${typeof v === 'string' ? JSON.stringify(v) : v}`)
      .join('\n')}\n`,
  );
}

export interface Comparison {
  /** Clean messages (by content) not stored from the mixed files. */
  missingMessages: string[];
  /** Clean server rows (by type and data) not stored by the mixed run's server. */
  missingRows: string[];
  /** Mixed run: publishable messages never sent, server hashes not equal to what the client numbered. */
  unpublished: number;
  serverMismatch: number;
  duplicates: number;
  warnings: { path: string; line_no: number | null; reason: string }[];
}

export function messageKeys(db: string): string[] {
  const conn = new Database(db, { readonly: true });
  try {
    return (
      conn
        .prepare(
          `SELECT session_id, message_type, author_role, content, tool_name, tool_use_id, tool_input, tool_result
           FROM messages`,
        )
        .all() as Record<string, unknown>[]
    ).map((r) => JSON.stringify(r));
  } finally {
    conn.close();
  }
}

/**
 * A server row as compared across the runs: type and data, without what legitimately moves when a mutant
 * repeats a real API response (its usage can be attributed to the copy: token_usage and usage carriers), and
 * without ids derived from a Codex identity that contains a byte offset (inserted lines shift offsets).
 */
function rowKey(r: { sessionId: string; type: string; data: Record<string, unknown> }): string | null {
  if (r.data.usage_carrier) return null;
  const { token_usage: _t, ...data } = r.data;
  if (data.tool_use_id_derived) delete data.tool_use_id;
  return JSON.stringify([r.sessionId, r.type, data]);
}

function missingFrom(expected: (string | null)[], actual: (string | null)[]): string[] {
  const have = new Map<string, number>();
  for (const k of actual) if (k !== null) have.set(k, (have.get(k) ?? 0) + 1);
  const missing: string[] = [];
  for (const k of expected) {
    if (k === null) continue;
    const n = have.get(k) ?? 0;
    if (n === 0) missing.push(k.length > 300 ? `${k.slice(0, 300)}…` : k);
    else have.set(k, n - 1);
  }
  return missing;
}

export function compare(clean: SyncedHome, mixed: SyncedHome): Comparison {
  const rows = mixed.server.admin.rows();
  const expected = expectedServerHashes(mixed.home.db);
  const stored = new Set(rows.map((r) => `${r.sessionId} ${r.hash}`));
  const seen = new Set<string>();
  let duplicates = 0;
  for (const r of rows) {
    const k = `${r.sessionId} ${r.hash}`;
    if (seen.has(k)) duplicates++;
    seen.add(k);
  }
  let serverMismatch = 0;
  for (const h of expected.hashes) if (!stored.has(h)) serverMismatch++;
  for (const h of stored) if (!expected.hashes.has(h)) serverMismatch++;
  const conn = new Database(mixed.home.db, { readonly: true });
  const warnings = conn
    .prepare('SELECT path, line_no, reason FROM ingest_warnings ORDER BY id')
    .all() as Comparison['warnings'];
  conn.close();
  return {
    missingMessages: missingFrom(messageKeys(clean.home.db), messageKeys(mixed.home.db)),
    missingRows: missingFrom(clean.server.admin.rows().map(rowKey), rows.map(rowKey)),
    unpublished: expected.uncovered,
    serverMismatch,
    duplicates,
    warnings,
  };
}
