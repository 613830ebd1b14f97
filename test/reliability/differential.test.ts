/**
 * The differential suite, short seeded version (issue 9; the long one is `npm run chaos -- --differential`):
 * generated live histories over real corpus files, each compared as data with one clean run of its final
 * files (reliability/differential/). A failing history is printed with its seed and actions, and its
 * directory is kept for inspection.
 */
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { runDifferential } from '../../reliability/differential/differential.js';
import { historyArb } from '../../reliability/differential/history.js';
import { inputFiles } from '../../reliability/differential/inputs.js';
import { needs } from '../support/shared.js';

const gated = needs('corpus', 'catsyphon-openapi');

const SEED = 20261204;

gated.describe('differential: live histories end as one clean run of their final files', () => {
  it('holds for seeded histories of appends, kills, failed commits, faults, replaces, rebuilds and reorderings', async () => {
    const files = inputFiles('short');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(historyArb(files.length, { min: 12, max: 28 }), async (history) => {
        const dir = path.join(os.tmpdir(), `aiobscura-differential-${process.pid}-${++run}`);
        const result = await runDifferential(dir, files, history);
        expect(
          { history: result.history, differences: result.differences },
          `kept in ${dir}\n${result.logs.join('\n')}`,
        ).toEqual({ history: result.history, differences: [] });
      }),
      // No shrinking here (each run is a few processes and seconds); the long run shrinks.
      { seed: SEED, numRuns: 3, endOnFailure: true },
    );
  }, 600_000);
});
