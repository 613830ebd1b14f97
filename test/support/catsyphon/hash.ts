/**
 * CatSyphon's server-side `event_hash` fallback (contract §7), used when an event has no hash (absent, null, ""):
 *
 *     sha256_hex(utf8(f"{type}:{emitted_at.isoformat()}:{json.dumps(data, sort_keys=True, default=str)}"))[:32]
 *
 * where `data` is the coerced EventData dump without top-level nulls. The Python `json.dumps` and
 * `isoformat()` emulations live in `pyjson.ts` and `datetime.ts`.
 */

import { createHash } from 'node:crypto';
import { isoformat, type PyDatetime } from './datetime.js';
import { dumpsSorted } from './pyjson.js';

export function hashPreimage(type: string, emittedAt: PyDatetime, data: Record<string, unknown>): string {
  return `${type}:${isoformat(emittedAt)}:${dumpsSorted(data)}`;
}

export function serverEventHash(type: string, emittedAt: PyDatetime, data: Record<string, unknown>): string {
  return createHash('sha256')
    .update(hashPreimage(type, emittedAt, data), 'utf8')
    .digest('hex')
    .slice(0, 32);
}
