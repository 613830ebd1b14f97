/**
 * `node:child_process` for tests and the reliability harnesses: the same functions, except that every child's
 * environment carries this test run's marker (`AIOBSCURA_TEST_RUN`, and the test file in `AIOBSCURA_TEST_FILE`),
 * even when the caller builds the environment from scratch (`fakeHome()` passes only PATH, HOME and XDG_*).
 * The global teardown (test/support/vitest-global-setup.ts) finds any process still carrying the marker when
 * the run ends, kills it and fails the run naming it and its test file. Outside vitest (e.g. `npm run chaos`) no
 * marker is set and the environment is passed through unchanged.
 *
 * Biome forbids importing the spawning functions of `node:child_process` anywhere else in test/ and
 * reliability/ (biome.json), so no spawn site can forget the marker.
 */
import * as cp from 'node:child_process';

export const TEST_RUN_VAR = 'AIOBSCURA_TEST_RUN';
export const TEST_FILE_VAR = 'AIOBSCURA_TEST_FILE';

/** `env` (default: this process's) plus the run's marker, when this process runs under the test runner. */
export function markedEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const run = process.env[TEST_RUN_VAR];
  if (!run) return env;
  return { ...env, [TEST_RUN_VAR]: run, [TEST_FILE_VAR]: process.env[TEST_FILE_VAR] ?? 'unknown test file' };
}

/** Splits the optional `args` of the `child_process` signatures from the options that follow them. */
function withMarker(rest: unknown[]): unknown[] {
  const hasArgs = Array.isArray(rest[0]);
  const args = hasArgs ? rest[0] : [];
  const options = ((hasArgs ? rest[1] : rest[0]) ?? {}) as { env?: NodeJS.ProcessEnv };
  return [args, { ...options, env: markedEnv(options.env) }];
}

// Each wrapper keeps its original's overloads (the return type depends on `encoding` and `stdio`); the casts
// only restate the signature of the function being wrapped.
export const spawn = ((command: string, ...rest: unknown[]) => {
  const child = (cp.spawn as (...a: unknown[]) => cp.ChildProcess)(command, ...withMarker(rest));
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}) as typeof cp.spawn;

/** Children of `spawn` that have not exited yet. */
const running = new Set<cp.ChildProcess>();

/**
 * Kills every child of `spawn` still running: the worker setup calls it after a failed test, whose daemon the
 * test body never reached the point of stopping. A passing test that leaves one behind is still caught (and
 * failed) by the global teardown.
 */
export function killRunning(): number {
  const n = running.size;
  for (const child of running) child.kill('SIGKILL');
  running.clear();
  return n;
}

/** Ends the tracking of the children started so far (a passing test's), so a later failure leaves them be. */
export function forgetRunning(): void {
  running.clear();
}

export const spawnSync = ((command: string, ...rest: unknown[]) =>
  (cp.spawnSync as (...a: unknown[]) => unknown)(command, ...withMarker(rest))) as typeof cp.spawnSync;

export const execFileSync = ((command: string, ...rest: unknown[]) =>
  (cp.execFileSync as (...a: unknown[]) => unknown)(command, ...withMarker(rest))) as typeof cp.execFileSync;
