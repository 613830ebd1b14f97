/** The standalone server as `npm run test-server -- --port N` runs it (the compiled file; `npm test` builds first). */

import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { spawn } from '../support/spawn.js';
import { call } from './helpers.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = path.join(REPO, 'dist', 'test', 'support', 'catsyphon', 'cli.js');

let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGTERM');
});

it('starts on the given port, prints its URL and answers /health and the admin API', async () => {
  expect(fs.existsSync(CLI), `${CLI} missing: run npm run build`).toBe(true);
  child = spawn(process.execPath, [CLI, '--port', '0', '--host', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve) => lines.once('line', resolve));
  const m = /^CATSYPHON_URL=(http:\/\/127\.0\.0\.1:\d+)$/.exec(first);
  expect(m, first).not.toBeNull();
  const url = m![1]!;
  const health = await call(`${url}/health`);
  expect([health.status, health.json]).toEqual([200, { status: 'ok' }]);
  const setup = await call(`${url}/__admin/setup`, { method: 'POST' });
  expect(setup.status).toBe(201);
  const exited = new Promise<number | null>((resolve) => child!.once('exit', resolve));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
});
