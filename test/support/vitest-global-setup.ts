/**
 * Vitest global setup (vitest.config.ts), in the main process:
 * - gives the run an id, which every test worker puts in its environment (vitest-worker-setup.ts) and every
 *   process a test spawns inherits or is given (spawn.ts);
 * - with `CI` set, refuses to start when the shared reference material is missing (shared.ts);
 * - returns the teardown that, once every test has finished, kills and names the processes of this run that
 *   are still alive, and fails the run: a test must not leave a process behind, even when it fails.
 */
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { canScanProcesses, reapLeftovers } from './leftover-processes.js';
import { isCi, missingReason } from './shared.js';

declare module 'vitest' {
  export interface ProvidedContext {
    aiobscuraTestRun: string;
  }
}

export default function setup(project: TestProject): () => Promise<void> {
  if (isCi()) {
    const missing = missingReason(['corpus', 'catsyphon-openapi']);
    if (missing) throw new Error(`CI is set and the test suite ${missing}`);
  }
  const runId = `${process.pid}-${randomBytes(6).toString('hex')}`;
  project.provide('aiobscuraTestRun', runId);
  return async () => {
    if (!canScanProcesses()) {
      console.warn('leftover-process check: not run, this platform has no /proc');
      return;
    }
    const left = await reapLeftovers(runId);
    if (left.length === 0) return;
    const lines = left.map((p) => `  pid ${p.pid} from ${p.testFile}: ${p.command}`);
    console.error(
      `\n${left.length} process(es) started by tests were still running; killed:\n${lines.join('\n')}\n`,
    );
    // Vitest logs an error thrown here but keeps the exit status of the tests: set it ourselves.
    process.exitCode = 1;
    throw new Error(`tests left ${left.length} process(es) behind (listed above)`);
  };
}
