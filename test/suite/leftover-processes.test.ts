/**
 * The leftover-process check of the global teardown (test/support/vitest-global-setup.ts): every process a
 * test spawns carries the run's marker, and a process still alive when the run ends fails the run, named.
 */
import fs from 'node:fs';
import { createInterface } from 'node:readline';
import { describe, expect, inject, it } from 'vitest';
import { exited } from '../support/cli.js';
import { processesOfRun } from '../support/leftover-processes.js';
import { runNestedVitest, supportModule } from '../support/nested-vitest.js';
import { spawn, TEST_RUN_VAR } from '../support/spawn.js';

/** Alive, and not a zombie waiting for its parent. */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('the run marker', () => {
  it('is on every child a test spawns and on its children, with the test file; not on the test worker', async () => {
    const runId = inject('aiobscuraTestRun');
    expect(fs.readFileSync('/proc/self/environ', 'latin1').split('\0')).not.toContain(
      `${TEST_RUN_VAR}=${runId}`,
    );
    // A shell with a clean environment, which starts a grandchild and prints its pid.
    const shell = spawn('sh', ['-c', 'sleep 300 & echo $!; wait'], {
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const grandchild = Number(
      await new Promise<string>((resolve) => createInterface({ input: shell.stdout! }).once('line', resolve)),
    );
    try {
      const found = processesOfRun(runId).filter((p) => p.pid === shell.pid || p.pid === grandchild);
      expect(found.map((p) => [p.pid, p.testFile]).sort()).toEqual(
        [
          [shell.pid, 'test/suite/leftover-processes.test.ts'],
          [grandchild, 'test/suite/leftover-processes.test.ts'],
        ].sort(),
      );
      expect(found.find((p) => p.pid === grandchild)?.command).toBe('sleep 300');
    } finally {
      process.kill(grandchild, 'SIGKILL');
      await exited(shell);
    }
    expect(processesOfRun(runId).filter((p) => p.pid === shell.pid || p.pid === grandchild)).toEqual([]);
  });
});

describe('the global teardown', () => {
  it("fails a run whose test left a child running, names it and its file, and kills it; a failed test's are killed at once", () => {
    const run = runNestedVitest({
      'leaves.test.mjs': [
        "import { expect, it } from 'vitest';",
        `import { spawn } from ${JSON.stringify(supportModule('spawn.ts'))};`,
        // A test that passes: the worker setup kills what a failed test left, so only the teardown sees this one.
        "it('passes and leaves a sleeping child', () => {",
        "  const child = spawn('sleep', ['300'], { stdio: 'ignore' });",
        "  console.log('CHILD ' + child.pid);",
        '});',
        "it('fails and leaves a sleeping child', () => {",
        "  const child = spawn('sleep', ['300'], { stdio: 'ignore' });",
        "  console.log('FAILED ' + child.pid);",
        "  expect('failed').toBe('deliberately');",
        '});',
      ].join('\n'),
    });
    const pid = Number(/CHILD (\d+)/.exec(run.output)?.[1]);
    const failed = Number(/FAILED (\d+)/.exec(run.output)?.[1]);
    expect(failed, run.output).toBeGreaterThan(0);
    // The failed test's child was killed when that test ended, so the teardown names only the other one.
    expect(alive(failed)).toBe(false);
    expect(run.output).not.toContain(`pid ${failed} `);
    expect(pid, run.output).toBeGreaterThan(0);
    expect(run.status, run.output).toBe(1);
    expect(run.output).toContain('1 process(es) started by tests were still running; killed:');
    expect(run.output).toMatch(new RegExp(`pid ${pid} from \\S*leaves\\.test\\.mjs: sleep 300`));
    expect(alive(pid)).toBe(false);
  });
});
