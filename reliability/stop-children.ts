/**
 * The long reliability runs start daemons and a test server as child processes. Stopped with Ctrl-C or a
 * SIGTERM, such a run must not leave them running (an orphaned `sync --watch` or test server lives on for
 * ever): every child started through test/support/spawn.ts is killed before the run exits.
 */
import { killRunning } from '../test/support/spawn.js';

export function stopChildrenOnSignal(): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      const n = killRunning();
      console.error(`${signal}: stopped ${n} child process${n === 1 ? '' : 'es'}`);
      process.exit(code);
    });
  }
}
