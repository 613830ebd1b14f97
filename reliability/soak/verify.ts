/**
 * The soak's end check, per session, after the daemon has stopped:
 * - completeness: the server's stored rows equal, as a multiset of hashes, the events of the session's local
 *   publishable messages (mapped by the product's own mapping), minus events the client recorded as refused;
 * - order: the rows arrived in ordinal order: along the server's append-only row list, each batch holds only
 *   ordinals (the client's, by hash, from `collector_sent`) above every earlier batch's of the session, and the
 *   highest one the client numbered is stored. Within a batch the server orders by `emitted_at`, as CatSyphon does.
 */
import { DEFAULT_MAX_EVENT_BYTES, messageEvents, wireSessionId } from '../../src/collector/mapping.js';
import { SessionTracker } from '../../src/collector/tracker.js';
import { openDatabase } from '../../src/store/index.js';
import type { SoakServer } from './server.js';

const STORED_TYPES = new Set(['message', 'tool_call', 'tool_result', 'thinking', 'error']);

export interface Verification {
  sessions: number;
  /** Events the server must hold. */
  expected: number;
  /** Rows the server holds for these sessions. */
  stored: number;
  missing: number;
  /** Rows stored more than once (beyond the expected count). */
  twice: number;
  /** Rows whose hash no local publishable message produces. */
  unexpected: number;
  /** Rows whose ordinal (the client's, by hash) does not exceed every ordinal of the session's earlier batches. */
  outOfOrder: number;
  /** Sessions whose highest stored ordinal is below the highest the client numbered for a stored event. */
  gapsAtEnd: number;
  /** Expected events the client never numbered. */
  unnumbered: number;
  /** Events the client recorded as refused (left out of `expected`). */
  refused: number;
  /** Messages still open (not publishable) when the daemon stopped: not expected on the server yet. */
  open: number;
  /** Expected events of messages first observed in the window, when one was given. */
  inWindow: number;
  /** The first few problems found, to start an investigation from. */
  examples: string[];
}

function count<T>(items: Iterable<T>): Map<T, number> {
  const m = new Map<T, number>();
  for (const x of items) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

export async function verifySoak(
  dbPath: string,
  server: SoakServer,
  window?: { fromMs: number; toMs: number },
): Promise<Verification> {
  const db = openDatabase(dbPath);
  const v: Verification = {
    sessions: 0,
    expected: 0,
    stored: 0,
    missing: 0,
    twice: 0,
    unexpected: 0,
    outOfOrder: 0,
    gapsAtEnd: 0,
    unnumbered: 0,
    refused: 0,
    open: 0,
    inWindow: 0,
    examples: [],
  };
  const note = (text: string) => {
    if (v.examples.length < 8) v.examples.push(text);
  };
  try {
    const tracker = new SessionTracker(db);
    const ids = db.prepare('SELECT id FROM sessions ORDER BY id').pluck().all() as string[];
    const ordinalsOf = db.prepare('SELECT event_hash, sequence FROM collector_sent WHERE session_id = ?');
    const openOf = db.prepare('SELECT count(*) FROM messages WHERE session_id = ? AND seq > ?').pluck();
    const mapping = { maxEventBytes: DEFAULT_MAX_EVENT_BYTES, sendRawData: false };
    for (const id of ids) {
      v.sessions++;
      const wireId = wireSessionId(id);
      const refused = tracker.rejectedHashes(id);
      const messages = tracker.messagesAfter(id, 0, Number.MAX_SAFE_INTEGER);
      const last = messages.at(-1)?.seq ?? 0;
      v.open += openOf.get(id, last) as number;
      const expected: string[] = [];
      for (const msg of messages) {
        const observed = Date.parse(msg.observedAt);
        for (const e of messageEvents(msg, wireId, mapping)) {
          if (!STORED_TYPES.has(e.type)) continue;
          if (refused.has(e.event_hash)) {
            v.refused++;
            continue;
          }
          expected.push(e.event_hash);
          if (window && observed >= window.fromMs && observed <= window.toMs) v.inWindow++;
        }
      }
      const ordinal = new Map<string, number>();
      for (const r of ordinalsOf.all(id) as { event_hash: string; sequence: number }[])
        ordinal.set(r.event_hash, r.sequence);
      const rows = (await server.rows(wireId)).sort((a, b) => a.index - b.index);
      v.expected += expected.length;
      v.stored += rows.length;

      const want = count(expected);
      const got = count(rows.map((r) => r.hash));
      for (const [hash, n] of want) {
        const have = got.get(hash) ?? 0;
        if (have < n) {
          v.missing += n - have;
          note(`${wireId}: ${hash} missing`);
        }
        if (have > n) v.twice += have - n;
        if (!ordinal.has(hash)) v.unnumbered++;
      }
      for (const [hash, n] of got) if (!want.has(hash)) v.unexpected += n;

      // The server stores each batch in `emitted_at` order (contract §6), so order is a property of batches:
      // every batch of a session must carry only ordinals above those of the session's earlier batches.
      let previous = 0;
      let batch = -1;
      let batchMax = 0;
      for (const r of rows) {
        if (r.batch !== batch) {
          previous = Math.max(previous, batchMax);
          batch = r.batch;
          batchMax = 0;
        }
        const mine = ordinal.get(r.hash);
        // Current servers drop `sequence`; a legacy one keeps it, and it must then be the client's number.
        const differs = r.sequence !== undefined && r.sequence !== mine;
        if (mine === undefined || differs || mine <= previous) {
          v.outOfOrder++;
          note(`${wireId}: row ${r.index} (batch ${r.batch}) has ordinal ${mine} after ${previous}`);
        }
        batchMax = Math.max(batchMax, mine ?? 0);
      }
      previous = Math.max(previous, batchMax);
      let lastExpected = 0;
      for (const h of expected) lastExpected = Math.max(lastExpected, ordinal.get(h) ?? 0);
      if (previous < lastExpected) v.gapsAtEnd++;
    }
  } finally {
    db.close();
  }
  return v;
}
