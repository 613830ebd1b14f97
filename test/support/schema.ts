import Database from 'better-sqlite3';
import { migrations } from '../../src/store/migrations.js';

/**
 * Turns a database written by the current code back into what schema version `version` wrote: every table,
 * index, trigger and view a later migration created is dropped and `user_version` is set. Which objects an
 * older version had is read from its own migrations, run on an empty in-memory database. (A column a later
 * migration adds to an older table would stay; no migration adds one so far.)
 */
export function downgradeTo(file: string, version: number): void {
  const scratch = new Database(':memory:');
  for (const m of migrations.filter((x) => x.version <= version)) scratch.exec(m.sql);
  const kept = new Set(scratch.prepare('SELECT name FROM sqlite_master').pluck().all() as string[]);
  const columnsOf = (d: Database.Database, table: string) =>
    new Set(d.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]);
  const keptColumns = new Map(
    [...kept].map((t) => [t, columnsOf(scratch, t)] as const).filter(([, c]) => c.size > 0),
  );
  scratch.close();
  const db = new Database(file);
  try {
    const later = () =>
      (
        db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").all() as {
          type: string;
          name: string;
          sql: string | null;
        }[]
      ).filter((o) => !kept.has(o.name));
    // A virtual table first: dropping it drops its shadow tables.
    for (const o of later().filter((x) => /^CREATE VIRTUAL TABLE/i.test(x.sql ?? '')))
      db.exec(`DROP TABLE "${o.name}"`);
    for (const type of ['trigger', 'view', 'index', 'table'])
      for (const o of later().filter((x) => x.type === type))
        db.exec(`DROP ${type.toUpperCase()} IF EXISTS "${o.name}"`);
    // Columns later migrations added with ALTER TABLE … ADD COLUMN.
    for (const [table, columns] of keptColumns)
      for (const c of columnsOf(db, table))
        if (!columns.has(c)) db.exec(`ALTER TABLE "${table}" DROP COLUMN "${c}"`);
    db.pragma(`user_version = ${version}`);
  } finally {
    db.close();
  }
}
