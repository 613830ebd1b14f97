import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { StoreError } from './errors.js';

/** Copies made before migrations that are kept per database; older ones are removed. */
export const KEPT_BACKUPS = 3;

/**
 * Copies the database to `<file>.bak-v<version>-<UTC time>` before a migration and returns the copy's path.
 * `VACUUM INTO` writes a consistent, compact copy (WAL content included) in one synchronous statement, which
 * is what an open that must finish before anything else runs needs. If the copy cannot be made (no space, no
 * permission), nothing is migrated and the error says so.
 */
export function backupBeforeMigration(db: Database.Database, file: string, version: number): string {
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  const copy = `${file}.bak-v${version}-${stamp}`;
  try {
    // A leftover from a failed attempt within the same second would make VACUUM INTO fail.
    fs.rmSync(copy, { force: true });
    db.prepare('VACUUM INTO ?').run(copy);
  } catch (err) {
    fs.rmSync(copy, { force: true });
    throw Object.assign(
      new StoreError(
        `cannot copy ${file} to ${copy} before upgrading its schema (${(err as Error).message}); ` +
          'nothing was changed',
      ),
      { code: (err as { code?: unknown }).code },
    );
  }
  pruneBackups(file);
  return copy;
}

/** Keeps the newest `KEPT_BACKUPS` copies of `file` (names sort by time within a version, versions ascend). */
function pruneBackups(file: string): void {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.bak-v`;
  const copies = fs
    .readdirSync(dir)
    .filter((name) => name.startsWith(prefix))
    .map((name) => ({ name, mtime: fs.statSync(path.join(dir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime || b.name.localeCompare(a.name));
  for (const old of copies.slice(KEPT_BACKUPS)) fs.rmSync(path.join(dir, old.name), { force: true });
}
