/**
 * A live history: what happens to the logs, the daemon, its database and the server while the files grow.
 * Histories are generated (and shrunk) by fast-check; `world.ts` plays them with real processes.
 */
import fc from 'fast-check';

export type FaultType = '503' | '429' | 'reset' | 'stall-drop' | 'stall-commit';

export type Action =
  /** The next `bytes` of a file, torn lines included. */
  | { kind: 'append'; file: number; bytes: number }
  /** Time for the daemon to react. */
  | { kind: 'wait'; ms: number }
  /** SIGKILL of the daemon `afterMs` from now (anywhere: inside a transaction, a request, a sleep), then a new life. */
  | { kind: 'kill'; afterMs: number }
  /** SIGTERM (a clean stop with its shutdown drain), then a new life. */
  | { kind: 'restart' }
  /** The next life fails this share of its ingest commits (SQLITE_IOERR just before COMMIT). */
  | { kind: 'failCommits'; probability: number }
  /** The server answers this share of collector requests with a fault, for `ms`. */
  | { kind: 'fault'; fault: FaultType; probability: number; ms: number }
  /** `cp f f.tmp && mv f.tmp f`: the same bytes under a new inode. */
  | { kind: 'replace'; file: number }
  /** The daemon dies, its database is deleted, and a new life starts from nothing (the server keeps its data). */
  | { kind: 'rebuild' }
  /** The daemon stops, a one-shot `sync` runs to its end, then the daemon starts again. */
  | { kind: 'oneShot' };

export interface History {
  /** Seeds every life's discovery shuffle and fault draws. */
  seed: number;
  batchSize: number;
  actions: Action[];
}

export function historyArb(files: number, length: { min: number; max: number }): fc.Arbitrary<History> {
  const file = fc.integer({ min: 0, max: files - 1 });
  const action: fc.Arbitrary<Action> = fc.oneof(
    {
      weight: 10,
      arbitrary: fc.record({
        kind: fc.constant('append' as const),
        file,
        bytes: fc.integer({ min: 1, max: 24_000 }),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 20, max: 700 }) }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('kill' as const), afterMs: fc.integer({ min: 0, max: 400 }) }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('failCommits' as const),
        probability: fc.constantFrom(0.2, 0.5, 1),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('fault' as const),
        fault: fc.constantFrom<FaultType>('503', '429', 'reset', 'stall-drop', 'stall-commit'),
        probability: fc.constantFrom(0.3, 0.7),
        ms: fc.integer({ min: 200, max: 1500 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('replace' as const), file }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'rebuild' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'oneShot' as const }) },
  );
  return fc.record({
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    batchSize: fc.constantFrom(1, 3, 20, 50),
    actions: fc.array(action, { minLength: length.min, maxLength: length.max }),
  });
}

export function describeHistory(h: History): string {
  const parts = h.actions.map((a) => {
    switch (a.kind) {
      case 'append':
        return `append(${a.file},${a.bytes})`;
      case 'wait':
        return `wait(${a.ms})`;
      case 'kill':
        return `kill(+${a.afterMs}ms)`;
      case 'failCommits':
        return `failCommits(${a.probability})`;
      case 'fault':
        return `fault(${a.fault},${a.probability},${a.ms}ms)`;
      case 'replace':
        return `replace(${a.file})`;
      default:
        return a.kind;
    }
  });
  return `seed ${h.seed}, batch ${h.batchSize}: ${parts.join(' ')}`;
}
