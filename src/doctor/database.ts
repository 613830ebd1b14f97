/**
 * The database checks: integrity (`quick_check`), size, schema version, whether this user can write it, and
 * how many sessions exist only in it. The file is opened the way reading commands open a database they
 * cannot write (store/read-only.ts), so doctor never migrates, repairs or creates anything.
 *
 * The usual cure for a damaged database is to move it aside and let sync read the logs again, but that loses
 * every session whose log files are gone (deleted by the assistant's own clean-up, or on another disk).
 * So that advice is given only when no such session exists (issue 11, item 10).
 */
import fs from 'node:fs';
import type Database from 'better-sqlite3';
import { sourceExists } from '../reader/index.js';
import { latestSchemaVersion, openReadOnlyConnection, writeProblem } from '../store/index.js';
import { formatBytes, plural } from '../units.js';
import { type CheckResult, fail, ok, warn } from './types.js';

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** Sessions whose every log file is gone from disk: they exist only in this database. */
export function sessionsOnlyInDatabase(db: Database.Database): { sessions: number; orphaned: number } {
  const sessions = db.prepare('SELECT count(*) FROM sessions').pluck().get() as number;
  const files = new Map(
    (db.prepare('SELECT id, path FROM source_files').all() as { id: number; path: string }[]).map((f) => [
      f.id,
      f.path,
    ]),
  );
  const present = new Map<number, boolean>();
  const onDisk = (id: number) => {
    let known = present.get(id);
    if (known === undefined) {
      const p = files.get(id);
      // An OpenCode session's path is `<db>#<session>`: it counts as on disk while its database is (a
      // legacy `<dir>/storage#<project>/<session>` one while its session JSON file is).
      known = p !== undefined && sourceExists(p);
      present.set(id, known);
    }
    return known;
  };
  const withLog = new Set<string>();
  const all = new Set<string>();
  const pairs = db
    .prepare(
      'SELECT m.session_id AS s, r.source_file_id AS f FROM messages m JOIN records r ON r.id = m.record_id GROUP BY 1, 2',
    )
    .iterate() as Iterable<{ s: string; f: number }>;
  for (const { s, f } of pairs) {
    all.add(s);
    if (onDisk(f)) withLog.add(s);
  }
  return { sessions, orphaned: all.size - withLog.size };
}

function rebuildFix(file: string, orphaned: number | null): string {
  const recover = `sqlite3 ${file} .recover | sqlite3 ${file}.recovered`;
  if (orphaned === 0)
    return `move ${file} aside and run \`aiobscura sync\` (every session's logs are still on disk and are read again; unpublished work is sent again, the server deduplicates)`;
  if (orphaned === null)
    return (
      `copy ${file} first and keep the copy (sessions whose logs are gone exist only in it); if every ` +
      `session's log is still on disk, move it aside and run \`aiobscura sync\`, otherwise try \`${recover}\``
    );
  return (
    `do not move it aside: ${plural(orphaned, 'session')} exist${orphaned === 1 ? 's' : ''} only in this ` +
    `database (their logs are gone). Copy it first, then try \`${recover}\``
  );
}

function schemaCheck(version: number): CheckResult {
  const latest = latestSchemaVersion();
  if (version === latest) return ok('schema', `version ${version} (current)`);
  if (version < latest)
    return warn(
      'schema',
      `version ${version}, this aiobscura uses ${latest}`,
      'the next `aiobscura sync` migrates it (keeping a copy of the old database)',
    );
  return fail(
    'schema',
    `version ${version} is newer than this aiobscura understands (${latest})`,
    'upgrade aiobscura',
  );
}

function accessCheck(databasePath: string): CheckResult {
  const problem = writeProblem(databasePath);
  if (problem === null) return ok('access', 'this user can write the database and its directory');
  return warn(
    'access',
    `read-only for this user: ${problem.path}: ${problem.reason}; reading commands work, sync cannot write`,
    `run sync as the owner of ${problem.path}, or make it writable`,
  );
}

/** `database`, `schema`, `access` and `sessions`, in that order. */
export function checkDatabase(databasePath: string): CheckResult[] {
  if (!fs.existsSync(databasePath)) {
    return [warn('database', `no database at ${databasePath} yet`, 'run `aiobscura sync`')];
  }
  const size = sizeOf(databasePath);
  const wal = sizeOf(`${databasePath}-wal`);
  const sizeText = `${formatBytes(size)}${wal ? ` + ${formatBytes(wal)} write-ahead log` : ''}`;
  let db: Database.Database;
  try {
    db = openReadOnlyConnection(databasePath);
  } catch (err) {
    return [
      fail(
        'database',
        `${databasePath} (${sizeText}) cannot be read: ${(err as Error).message}`,
        rebuildFix(databasePath, null),
      ),
      accessCheck(databasePath),
    ];
  }
  try {
    return inspect(db, databasePath, sizeText);
  } finally {
    db.close();
  }
}

function inspect(db: Database.Database, databasePath: string, sizeText: string): CheckResult[] {
  const version = db.pragma('user_version', { simple: true }) as number;
  let counted: { sessions: number; orphaned: number } | null = null;
  let countError: string | null = null;
  try {
    if (version <= latestSchemaVersion()) counted = sessionsOnlyInDatabase(db);
  } catch (err) {
    countError = (err as Error).message;
  }
  let problems: string[];
  try {
    const rows = db.pragma('quick_check') as { quick_check: string }[];
    problems = rows.map((r) => r.quick_check).filter((t) => t !== 'ok');
  } catch (err) {
    problems = [(err as Error).message];
  }
  const results: CheckResult[] = [];
  if (problems.length > 0) {
    const first = problems.slice(0, 3).join('; ');
    results.push(
      fail(
        'database',
        `${databasePath} (${sizeText}) fails quick_check: ${first}`,
        rebuildFix(databasePath, counted?.orphaned ?? null),
      ),
    );
  } else results.push(ok('database', `${databasePath} (${sizeText}) passes quick_check`));
  results.push(schemaCheck(version), accessCheck(databasePath));
  if (counted) {
    const only =
      counted.orphaned === 0
        ? 'every one still has its log files on disk'
        : `${plural(counted.orphaned, 'session')} only in this database (their log files are gone; back it up)`;
    results.push(ok('sessions', `${plural(counted.sessions, 'session')}; ${only}`));
  } else if (countError) {
    results.push(warn('sessions', `cannot count the sessions: ${countError}`));
  }
  return results;
}
