/**
 * A database this test's CLI process really cannot write. `chmod` alone does not stop root (tests often run
 * as root in containers), so as root the CLI runs as the unprivileged uid/gid 65534 through `setpriv`
 * (util-linux) and the files stay root's; as any other user `chmod` takes the write permission away. Either
 * way `provesUnwritable` checks it for real, by letting the same identity try to write, so a test cannot pass
 * on a database that was writable after all.
 */

import fs from 'node:fs';
import path from 'node:path';
import { CLI, type Home } from './cli.js';
import { spawnSync } from './spawn.js';

export const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

/** The command line that runs `argv` as the identity the read-only tests use. */
function wrapped(argv: string[]): [string, string[]] {
  if (!asRoot) return [argv[0]!, argv.slice(1)];
  return ['setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', ...argv]];
}

export function runUnprivileged(home: Home, args: string[]) {
  const [cmd, rest] = wrapped([process.execPath, CLI, ...args]);
  const r = spawnSync(cmd, rest, { env: home.env, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Lets the identity read the home (mkdtemp makes it 0700) without being able to write it. */
export function openForReading(home: Home): void {
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return;
    fs.chmodSync(p, st.isDirectory() ? 0o755 : 0o644);
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  };
  walk(home.root);
}

export type LockDown = 'directory' | 'file';

/**
 * Takes write access away from the identity: from the database's directory (so nothing can be created
 * beside it either), or from the database file only (its directory stays writable for the identity).
 */
export function lockDown(db: string, what: LockDown): void {
  const dir = path.dirname(db);
  if (asRoot) {
    // Root's files are not writable by uid 65534; for `file`, the directory becomes the identity's.
    if (what === 'file') fs.chownSync(dir, NOBODY, NOBODY);
    return;
  }
  if (what === 'directory') fs.chmodSync(dir, 0o555);
  else fs.chmodSync(db, 0o444);
}

/** Gives write access back, so the temp dir can be cleaned up and the owner can write again. */
export function unlock(db: string): void {
  const dir = path.dirname(db);
  if (asRoot) fs.chownSync(dir, 0, 0);
  fs.chmodSync(dir, 0o755);
  if (fs.existsSync(db)) fs.chmodSync(db, 0o644);
}

/** The error code the identity gets when it tries to write `target` (a file to append to, or a directory). */
export function writeAttempt(target: string): string {
  const probe = fs.statSync(target).isDirectory() ? path.join(target, '.probe') : target;
  const script = `try { require('node:fs').appendFileSync(${JSON.stringify(probe)}, ''); console.log('WROTE') } catch (e) { console.log(e.code) }`;
  const [cmd, rest] = wrapped([process.execPath, '-e', script]);
  const r = spawnSync(cmd, rest, { encoding: 'utf8' });
  if (r.error) throw r.error;
  return r.stdout.trim();
}
