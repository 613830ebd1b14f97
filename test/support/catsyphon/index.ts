/**
 * The CatSyphon-compatible test server. It agrees with CatSyphon (contract + OpenAPI beside the repository),
 * not with aiobscura's client, and imports nothing from `src/` (a Biome rule enforces it).
 *
 *     const server = await startCatsyphonServer();            // 127.0.0.1, ephemeral port
 *     const { collectorId, apiKey } = server.admin.registerCollector();
 *     await fetch(`${server.url}/collectors/events`, { ... });
 *     server.admin.rows();                                    // every stored row, duplicates included
 *     await server.close();
 */

import { AdminApi, handleAdminHttp } from './admin.js';
import { CatsyphonServer, type ServerOptions } from './server.js';

export type { ConversationView, Credentials } from './admin.js';
export { AdminApi } from './admin.js';
export type { Fault, FaultKind, FaultMatch, Modes, RandomFault, ScriptedFault } from './faults.js';
export { LIMIT_413_BYTES } from './faults.js';
export { hashPreimage, serverEventHash } from './hash.js';
export type { Counters, RequestLogEntry } from './log.js';
export { locateOpenApi, OPENAPI_FILE } from './openapi.js';
export type { ServerOptions } from './server.js';
export type { AcceptedEvent, Row } from './store.js';

export interface RunningCatsyphonServer {
  /** Base URL, e.g. `http://127.0.0.1:41234` (append `/collectors/...`). */
  url: string;
  port: number;
  /** Separate admin listener's port, when `adminPort` was given. */
  adminPort: number | null;
  admin: AdminApi;
  close(): Promise<void>;
}

export async function startCatsyphonServer(opts: ServerOptions = {}): Promise<RunningCatsyphonServer> {
  const server = new CatsyphonServer(opts);
  const admin = new AdminApi(server);
  server.setAdminHandler((method, url, body) => handleAdminHttp(admin, method, url, body));
  await server.start();
  return {
    url: server.url,
    port: server.port,
    adminPort: server.adminPort,
    admin,
    close: () => server.close(),
  };
}
