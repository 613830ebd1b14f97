/**
 * The CatSyphon-compatible test server in its own process, for the outage soak. Its admin API listens on a
 * separate port, which stays up while the main listener is closed (outage mode), so the harness can keep
 * counting stored rows and turn the outage off again.
 */
import { type ServerProcess, startServerProcess } from '../server-process.js';

/** A stored row as the admin API lists it (only the fields the soak checks). */
export interface ServerRow {
  index: number;
  /** The request that stored it, numbered across the server: rows of one batch share it. */
  batch: number;
  sessionId: string;
  hash: string;
  sequence?: number;
}

export interface SoakServer extends ServerProcess {
  register(): Promise<{ collectorId: string; apiKey: string }>;
  /** Rows stored so far: the sum of the conversations' stored-event counts. */
  storedRows(): Promise<number>;
  outage(on: boolean): Promise<void>;
  rows(sessionId: string): Promise<ServerRow[]>;
  stop(): Promise<void>;
}

export async function startSoakServer(seed: number): Promise<SoakServer> {
  const server = await startServerProcess(seed);
  const { admin } = server;
  return {
    ...server,
    async register() {
      const c = await admin<{ collector_id: string; api_key: string }>('POST', 'collectors', {});
      return { collectorId: c.collector_id, apiKey: c.api_key };
    },
    async storedRows() {
      // One small entry per session, where listing the rows would move every event's data.
      const cs = await admin<{ eventCount: number }[]>('GET', 'conversations');
      return cs.reduce((n, c) => n + c.eventCount, 0);
    },
    async outage(on) {
      await admin('POST', 'modes', { outage: on });
    },
    async rows(sessionId) {
      const rows = await admin<ServerRow[]>('GET', `rows?session_id=${encodeURIComponent(sessionId)}`);
      return rows.map((r) => ({
        index: r.index,
        batch: r.batch,
        sessionId: r.sessionId,
        hash: r.hash,
        ...(r.sequence === undefined ? {} : { sequence: r.sequence }),
      }));
    },
  };
}
