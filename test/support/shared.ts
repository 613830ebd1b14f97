/**
 * The shared reference material that tests read in place from `shared/` beside the repository (never copied
 * into it): the real-log corpus, and CatSyphon's OpenAPI document, which the test server validates every
 * request against. A fresh clone has neither, so a test that needs one says so:
 *
 *     const corpus = needs('corpus');
 *     corpus.describe('every corpus file', () => { … });      // or corpus.it('…', fn)
 *
 * When the material is there these are vitest's own `describe` and `it`. When it is missing, the body is not
 * collected at all (it may read the material while collecting) and one test of the same name stands in for it,
 * skipped with the reason: what is missing, the path looked for, and how to get it. The skip reporter
 * (test/support/skip-reporter.ts) prints those reasons, one line per test file. With `CI` set a missing
 * material is a failure instead: the global setup refuses to start, and each stand-in test fails naming the path.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, type TestFunction } from 'vitest';
import { locateOpenApi, OPENAPI_FILE } from './catsyphon/index.js';
import { CORPUS_DIR, REPO_ROOT } from './corpus.js';

/** Where CI lays the shared reference material: beside the clone. */
export const SHARED_DIR = path.resolve(REPO_ROOT, '../shared');

export type Material = 'corpus' | 'catsyphon-openapi';

interface Found {
  readonly label: string;
  /** The path found, or the one looked for. */
  readonly path: string;
  readonly present: boolean;
}

function find(material: Material): Found {
  if (material === 'corpus') {
    return { label: 'the real-log corpus', path: CORPUS_DIR, present: fs.existsSync(CORPUS_DIR) };
  }
  const found = locateOpenApi();
  return {
    label: "CatSyphon's OpenAPI document (the test server validates against it)",
    path: found ?? path.join(SHARED_DIR, OPENAPI_FILE),
    present: found !== null && fs.existsSync(found),
  };
}

/** `CI=true` (or any value but `false`/`0`): missing material fails the run instead of skipping. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== 'false' && v !== '0';
}

/** Why `materials` cannot be used here, or null when they are all present. */
export function missingReason(materials: readonly Material[]): string | null {
  const missing = materials.map(find).filter((f) => !f.present);
  if (missing.length === 0) return null;
  const what = missing.map((f) => `${f.label} (looked for ${f.path})`).join(' and ');
  return `needs ${what}: put the shared reference material in ${SHARED_DIR} as CI does`;
}

export interface Gate {
  /** Null when every material is present, else why the gated tests do not run. */
  readonly missing: string | null;
  describe(name: string, body: () => void): void;
  /** `timeout` in milliseconds, as vitest's own third argument. */
  it(name: string, fn: TestFunction, timeout?: number): void;
}

export function needs(...materials: Material[]): Gate {
  const missing = missingReason(materials);
  const standIn = (name: string) =>
    it(name, (ctx) => {
      if (isCi()) throw new Error(`CI is set and this test ${missing}`);
      ctx.skip(missing!);
    });
  return {
    missing,
    describe: (name, body) => (missing ? standIn(name) : describe(name, body)),
    it: (name, fn, timeout) => (missing ? standIn(name) : it(name, fn, timeout)),
  };
}
