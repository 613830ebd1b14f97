/**
 * Tests that need the shared reference material (test/support/shared.ts) on a machine without it: skipped with
 * one line per file naming what is missing and where it was looked for; with CI set, the run fails instead.
 * The missing material is CatSyphon's OpenAPI document, pointed at a path that does not exist.
 */
import { describe, expect, it } from 'vitest';
import { runNestedVitest, supportModule } from '../support/nested-vitest.js';

const MISSING = '/nonexistent/aiobscura-test/catsyphon-openapi-collectors.json';

const gated = [
  "import { it } from 'vitest';",
  `import { needs } from ${JSON.stringify(supportModule('shared.ts'))};`,
  "const needsServer = needs('catsyphon-openapi');",
  "needsServer.it('talks to the test server', () => { throw new Error('ran without the material'); });",
  "needsServer.describe('a suite reading the material while it is collected', () => {",
  "  throw new Error('collected without the material');",
  '});',
  "it('needs nothing', () => {});",
].join('\n');

describe('without the shared material', () => {
  it('the gated tests are skipped, with one line naming the path looked for; the others run', () => {
    const run = runNestedVitest({ 'gated.test.mjs': gated }, { CATSYPHON_OPENAPI: MISSING });
    expect(run.status, run.output).toBe(0);
    expect(run.output).toMatch(/Tests\s+1 passed \| 2 skipped \(3\)/);
    const lines = run.output.split('\n').filter((l) => l.includes('↓ gated.test.mjs'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`↓ gated.test.mjs (2 tests): needs CatSyphon's OpenAPI document`);
    expect(lines[0]).toContain(`(looked for ${MISSING})`);
    expect(lines[0]).toContain('put the shared reference material in');
  });

  it('with CI set, the run fails before any test, naming the path', () => {
    const run = runNestedVitest({ 'gated.test.mjs': gated }, { CATSYPHON_OPENAPI: MISSING, CI: 'true' });
    expect(run.status, run.output).toBe(1);
    expect(run.output).toContain('CI is set and the test suite needs');
    expect(run.output).toContain(MISSING);
  });
});

describe('a test skipped without a reason', () => {
  it('is listed and fails the run', () => {
    const run = runNestedVitest({
      'unexplained.test.mjs': "import { it } from 'vitest';\nit.skipIf(true)('quietly skipped', () => {});\n",
    });
    expect(run.status, run.output).toBe(1);
    expect(run.output).toContain(
      '↓ unexplained.test.mjs (1 test): quietly skipped: skipped without a reason (give one: ctx.skip(reason))',
    );
  });
});
