/**
 * CatSyphon's collector authentication (contract §4), run after request validation. The first failing check
 * wins; the statuses and details are the observed ones.
 */

import { type Collector, type Store, sha256Hex } from './store.js';
import { parsePythonUuid } from './uuid.js';

export type AuthResult =
  | { ok: true; collector: Collector }
  | { ok: false; status: 400 | 401 | 403; detail: string };

export function authenticate(store: Store, authorization: string, collectorIdHeader: string): AuthResult {
  if (!authorization.startsWith('Bearer ')) {
    return { ok: false, status: 401, detail: 'Invalid authorization header format' };
  }
  const apiKey = authorization.slice('Bearer '.length);
  const id = parsePythonUuid(collectorIdHeader);
  if (id === null) return { ok: false, status: 400, detail: 'Invalid collector ID format' };
  const collector = store.collectors.get(id);
  if (!collector) return { ok: false, status: 401, detail: 'Collector not found' };
  if (!collector.apiKeyHash) return { ok: false, status: 401, detail: 'Collector has no API key configured' };
  if (sha256Hex(apiKey) !== collector.apiKeyHash)
    return { ok: false, status: 401, detail: 'Invalid API key' };
  if (!collector.isActive) return { ok: false, status: 403, detail: 'Collector is disabled' };
  return { ok: true, collector };
}
