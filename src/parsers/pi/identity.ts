/**
 * Identities of pi entries, built so that they survive what pi does to its files:
 *
 * - Migration rewrites the whole file (v1/v2 → v3, `migrateToCurrentVersion` + `_rewriteFile`): every v1
 *   entry gets a NEW random `id`/`parentId`, a compaction's `firstKeptEntryIndex` becomes `firstKeptEntryId`,
 *   the header gets `version`, and v2's `hookMessage` role becomes `custom`. Timestamps and message content
 *   are kept. So an identity never uses `id`/`parentId`: it hashes the entry without those fields (and with
 *   the renamed role undone), and the ingest layer's re-read of the rewritten file finds every message
 *   stored already.
 * - Forks and clones (`/fork`, `createBranchedSession`, `forkFrom`) copy entries verbatim into a new session
 *   file. The session id is left out of the identity on purpose: a copied entry then has the identity of its
 *   original, and the store keeps it once, in the session whose file starts first (store/copy-rank.ts, the
 *   rule already used for Claude Code's resume copies), tokens included.
 *
 * The hash covers the entry's own ISO timestamp (written once, at append) and the canonical entry, which for
 * messages includes the message's own millisecond timestamp, usage and content: two distinct entries share
 * it only if they are the same record. Entries without a timestamp (damaged files) hash the session id too,
 * so unrelated damaged files cannot collide.
 */
import { hash, isObj, type Obj, stableJson } from './util.js';

/** Fields that pi's migrations add, regenerate or convert: never part of an identity. */
const VOLATILE = new Set(['id', 'parentId', 'firstKeptEntryIndex', 'firstKeptEntryId']);

/** The entry as it reads in every version: migration-touched fields dropped, v2 role names as v3 writes them. */
export function canonicalEntry(entry: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(entry)) if (!VOLATILE.has(k)) out[k] = v;
  const message = entry.message;
  if (isObj(message) && message.role === 'hookMessage') out.message = { ...message, role: 'custom' };
  return out;
}

/** `pi:<hash>`: the base identity of an entry's messages, and its usage response key. */
export function entryKey(entry: Obj, sessionKey: string): string {
  const ts = typeof entry.timestamp === 'string' ? entry.timestamp : null;
  const scope = ts === null ? `${sessionKey}\n` : '';
  return `pi:${hash(`${scope}${ts ?? ''}\n${stableJson(canonicalEntry(entry))}`)}`;
}
