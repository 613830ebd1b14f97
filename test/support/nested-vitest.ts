/**
 * Runs vitest on a throwaway project with this repository's setup (global setup, worker setup, skip reporter),
 * so a test can show what the run as a whole does (its exit status and its output) when a test leaves a
 * process behind or needs missing material. The project lives in a temp dir with a link to node_modules.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './corpus.js';
import { spawnSync } from './spawn.js';

const VITEST = path.join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const support = (file: string) => JSON.stringify(path.join(REPO_ROOT, 'test', 'support', file));

/** Absolute path of a support module, for the `import` lines of the throwaway tests. */
export const supportModule = (file: string): string => path.join(REPO_ROOT, 'test', 'support', file);

export interface NestedRun {
  status: number | null;
  /** stdout and stderr, colours off. */
  output: string;
  dir: string;
}

/** Runs `files` (name → source; `*.test.mjs` ones are the tests) and removes the project afterwards. */
export function runNestedVitest(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): NestedRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-nested-vitest-'));
  try {
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    fs.writeFileSync(
      path.join(dir, 'vitest.config.mjs'),
      `export default { test: { include: ['*.test.mjs'], pool: 'forks', globalSetup: [${support('vitest-global-setup.ts')}], setupFiles: [${support('vitest-worker-setup.ts')}], reporters: ['default', ${support('skip-reporter.ts')}] } };\n`,
    );
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    const r = spawnSync(process.execPath, [VITEST, 'run', '--root', dir], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, CI: '', NO_COLOR: '1', FORCE_COLOR: '0', ...env },
    });
    return { status: r.status, output: `${r.stdout}\n${r.stderr}`, dir };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
