import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The run id every spawned process carries, the CI check of the shared material, and the teardown that
    // fails the run on a process a test left behind.
    globalSetup: ['test/support/vitest-global-setup.ts'],
    setupFiles: ['test/support/vitest-worker-setup.ts'],
    // Every skipped test, with its reason, one line per file; a skip without a reason fails the run.
    reporters: ['default', './test/support/skip-reporter.ts'],
  },
});
