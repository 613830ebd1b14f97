/**
 * Does the server still hold what the cursors say it does (issue 11 §15)? A status probe of the sessions
 * published to it most recently: a server that lost its data (restored from nothing, a new database behind
 * the same URL) answers 404 "No events received" for them. A session another collector published answers
 * 403, which still means the server has it.
 */
import type { CollectorConfig, ResolvedConfig } from '../../../config/index.js';
import { type CollectorModule, readDb } from './shared.js';

const PROBES = 3;

export interface ServerCheck {
  /**
   * `ok`: every probed session is there; `missing`: some are not; `not-needed`: the cursors hold nothing for
   * this server (nothing to lose); `failed`: the server could not be asked (the detail says why).
   */
  result: 'ok' | 'missing' | 'not-needed' | 'failed';
  probed: number;
  missing: number;
  detail: string | null;
}

export async function serverCheck(
  c: CollectorModule,
  config: ResolvedConfig,
  collector: CollectorConfig & { serverUrl: string },
): Promise<ServerCheck> {
  const ids = readDb(config, (db) =>
    new c.SessionTracker(db).global().serverUrl === collector.serverUrl
      ? c.publishedSessions(db, collector.serverUrl, PROBES)
      : [],
  );
  if (ids.length === 0) return { result: 'not-needed', probed: 0, missing: 0, detail: null };
  const client = c.clientFor(collector);
  let missing = 0;
  for (const id of ids) {
    const o = await client.sessionStatus(c.wireSessionId(id));
    if (o.kind === 'notFound') missing += 1;
    else if (o.kind !== 'status' && o.kind !== 'foreignSession') {
      const detail = 'detail' in o && typeof o.detail === 'string' ? o.detail : o.kind;
      return { result: 'failed', probed: ids.length, missing, detail: `${o.kind}: ${detail}` };
    }
  }
  return { result: missing > 0 ? 'missing' : 'ok', probed: ids.length, missing, detail: null };
}
