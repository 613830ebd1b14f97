/**
 * Vitest setup file, run in each test worker before its test file: puts the run's marker and the test file in
 * `process.env`, so every process the file spawns carries them (spawn.ts adds them to environments built from
 * scratch). Set after the worker started, so the worker's own /proc environ does not show them.
 */
import path from 'node:path';
import { afterEach, expect, inject } from 'vitest';
import { REPO_ROOT } from './corpus.js';
import { forgetRunning, killRunning, TEST_FILE_VAR, TEST_RUN_VAR } from './spawn.js';

process.env[TEST_RUN_VAR] = inject('aiobscuraTestRun');
process.env[TEST_FILE_VAR] = path.relative(REPO_ROOT, expect.getState().testPath ?? 'unknown test file');

// A failed test stops at its first failed expectation, before the lines that stop what it started. What a
// passing test leaves running is the global teardown's to report, not a later test's to kill.
afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') killRunning();
  else forgetRunning();
});
