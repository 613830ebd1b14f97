/**
 * Vitest reporter (beside the default one) that makes every skip visible: after the run it prints one line per
 * test file and reason, `↓ <file> (<n> tests): <reason>`, for tests skipped with `ctx.skip(reason)` (as the
 * shared-material gates of shared.ts do). A test skipped without a reason (`skipIf`, `runIf`, a bare
 * `ctx.skip()`) is listed too and fails the run, unless a `-t` name filter skipped it: no test is skipped
 * silently (biome's `noSkippedTests` already forbids `.skip`).
 */
import type { Reporter, TestModule, Vitest } from 'vitest/node';

export default class SkipReporter implements Reporter {
  private filtered = false;

  onInit(vitest: Vitest): void {
    this.filtered = vitest.config.testNamePattern !== undefined;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const lines: string[] = [];
    let unexplained = 0;
    for (const mod of testModules) {
      const byReason = new Map<string, number>();
      for (const test of mod.children.allTests('skipped')) {
        const result = test.result();
        const note = result.state === 'skipped' ? result.note : undefined;
        if (!note && this.filtered) continue;
        if (!note) unexplained++;
        const reason = note ?? `${test.fullName}: skipped without a reason (give one: ctx.skip(reason))`;
        byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
      }
      for (const [reason, n] of byReason) {
        lines.push(`  ↓ ${mod.relativeModuleId} (${n} ${n === 1 ? 'test' : 'tests'}): ${reason}`);
      }
    }
    if (lines.length > 0) console.log(`\nSkipped tests, with their reasons:\n${lines.join('\n')}\n`);
    if (unexplained > 0) {
      console.error(
        `${unexplained} test(s) skipped without a reason: the run fails (STYLE.md: no skipped tests)`,
      );
      process.exitCode = 1;
    }
  }
}
