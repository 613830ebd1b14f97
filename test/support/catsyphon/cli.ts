/**
 * Standalone CatSyphon-compatible test server:
 *
 *     npm run test-server -- --port 8000 [--host 127.0.0.1] [--admin-port 8001] [--legacy] [--limit413] [--seed N]
 *
 * Prints the base URL on the first stdout line (`CATSYPHON_URL=http://127.0.0.1:8000`), then the admin URL.
 * Drive faults and read rows over HTTP under `<url>/__admin/` (or on `--admin-port`, which stays up during an
 * outage). Stops on SIGINT/SIGTERM.
 */

import { parseArgs } from 'node:util';
import { startCatsyphonServer } from './index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8000' },
    host: { type: 'string', default: '127.0.0.1' },
    'admin-port': { type: 'string' },
    legacy: { type: 'boolean', default: false },
    limit413: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
  },
});

function int(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`--${name} must be an integer port, got ${v}`);
    process.exit(2);
  }
  return n;
}

const server = await startCatsyphonServer({
  host: values.host,
  port: int('port', values.port),
  legacy: values.legacy,
  limit413: values.limit413,
  seed: Number(values.seed),
  ...(values['admin-port'] !== undefined ? { adminPort: int('admin-port', values['admin-port']) } : {}),
});
console.log(`CATSYPHON_URL=${server.url}`);
console.log(
  `CATSYPHON_ADMIN=${server.adminPort === null ? `${server.url}/__admin` : `http://${values.host}:${server.adminPort}/__admin`}`,
);

const stop = () => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
