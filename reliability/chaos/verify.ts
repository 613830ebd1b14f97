/**
 * The chaos run's final comparisons, made after the daemon stopped cleanly:
 * - local store vs the generator's ledger: every complete line written is one `records` row (same line number,
 *   same bytes), none missing, none twice;
 * - server vs local, per session: the stored rows equal the events of the local publishable messages as a
 *   multiset of (event_hash, data): same count, nothing missing, nothing stored twice.
 */
import { createHash } from 'node:crypto';
import { messageEvents, SessionTracker, wireSessionId } from '../../src/collector/index.js';
import { openDatabase } from '../../src/store/index.js';
import type { Row } from '../../test/support/catsyphon/index.js';

/** The event types CatSyphon stores as rows (session_start and fillers are accepted but not stored). */
const STORED_TYPES = new Set(['message', 'tool_call', 'tool_result', 'thinking', 'error']);

export interface LedgerCheck {
  files: number;
  expectedRecords: number;
  storedRecords: number;
  missing: number;
  storedTwice: number;
  wrongBytes: number;
  unknownFiles: number;
}

export function checkLedger(
  databasePath: string,
  ledger: ReadonlyMap<string, readonly string[]>,
): LedgerCheck {
  const db = openDatabase(databasePath);
  try {
    const fileId = db.prepare('SELECT id FROM source_files WHERE path = ?').pluck();
    const rows = db.prepare('SELECT line_no, raw FROM records WHERE source_file_id = ? ORDER BY line_no');
    const out: LedgerCheck = {
      files: ledger.size,
      expectedRecords: 0,
      storedRecords: 0,
      missing: 0,
      storedTwice: 0,
      wrongBytes: 0,
      unknownFiles: 0,
    };
    for (const [file, hashes] of ledger) {
      out.expectedRecords += hashes.length;
      const id = fileId.get(file) as number | undefined;
      if (id === undefined) {
        out.unknownFiles++;
        out.missing += hashes.length;
        continue;
      }
      const seen = new Map<number, number>();
      for (const r of rows.all(id) as { line_no: number; raw: Buffer }[]) {
        out.storedRecords++;
        seen.set(r.line_no, (seen.get(r.line_no) ?? 0) + 1);
        const want = hashes[r.line_no - 1];
        if (want !== createHash('sha1').update(r.raw).digest('hex')) out.wrongBytes++;
      }
      for (let n = 1; n <= hashes.length; n++) {
        const c = seen.get(n) ?? 0;
        if (c === 0) out.missing++;
        if (c > 1) out.storedTwice += c - 1;
      }
    }
    return out;
  } finally {
    db.close();
  }
}

export interface ServerCheck {
  sessions: number;
  localEvents: number;
  serverRows: number;
  missing: number;
  storedTwice: number;
  unexpected: number;
  /** Events the server refused (kept in `collector_rejections`); none are expected in a chaos run. */
  rejected: number;
  /** Publishable = 0 messages left (open assistant groups): none once the backlog drained. */
  unpublishable: number;
  /** The first differences, each `<session> local|server <hash> <data>` (cut), to start a diagnosis from. */
  examples: string[];
}

/** Recursively key-sorted JSON: two equal values print the same whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** CatSyphon keeps `data` without its top-level nulls (raw_data); the local event is compared the same way. */
function withoutTopNulls(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(data).filter(([, v]) => v !== null && v !== undefined));
}

function bag(keys: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

export async function checkServer(
  databasePath: string,
  mapping: { maxEventBytes: number; sendRawData: boolean },
  rowsOf: (wireSession: string) => Promise<readonly Row[]>,
  serverSessions: readonly string[],
): Promise<ServerCheck> {
  const db = openDatabase(databasePath);
  const out: ServerCheck = {
    sessions: 0,
    localEvents: 0,
    serverRows: 0,
    missing: 0,
    storedTwice: 0,
    unexpected: 0,
    rejected: db.prepare('SELECT count(*) FROM collector_rejections').pluck().get() as number,
    unpublishable: db.prepare('SELECT count(*) FROM messages WHERE publishable = 0').pluck().get() as number,
    examples: [],
  };
  const example = (wire: string, side: string, key: string) => {
    if (out.examples.length < 10) out.examples.push(`${wire} ${side} ${key.slice(0, 600)}`);
  };
  try {
    const tracker = new SessionTracker(db);
    const rejected = db.prepare('SELECT event_hash FROM collector_rejections WHERE session_id = ?').pluck();
    const ids = db.prepare('SELECT id FROM sessions').pluck().all() as string[];
    const wires = new Set<string>();
    for (const id of ids) {
      const wire = wireSessionId(id);
      wires.add(wire);
      const refused = new Set(rejected.all(id) as string[]);
      const local = tracker
        .messagesAfter(id, 0, Number.MAX_SAFE_INTEGER)
        .flatMap((m) => messageEvents(m, wire, mapping))
        .filter((e) => STORED_TYPES.has(e.type) && !refused.has(e.event_hash))
        .map((e) => `${e.event_hash} ${canonical(withoutTopNulls(e.data))}`);
      const rows = await rowsOf(wire);
      if (local.length === 0 && rows.length === 0) continue;
      out.sessions++;
      out.localEvents += local.length;
      out.serverRows += rows.length;
      const want = bag(local);
      const got = bag(rows.map((r) => `${r.hash} ${canonical(r.data)}`));
      for (const [k, n] of want) {
        const short = Math.max(0, n - (got.get(k) ?? 0));
        out.missing += short;
        if (short > 0) example(wire, 'local', k);
      }
      for (const [k, n] of got) {
        const w = want.get(k) ?? 0;
        if (w === 0) {
          out.unexpected += n;
          example(wire, 'server', k);
        } else if (n > w) out.storedTwice += n - w;
      }
    }
    // A session on the server that the local store does not know would be stored data from nowhere.
    for (const s of serverSessions) if (!wires.has(s)) out.unexpected += (await rowsOf(s)).length;
    return out;
  } finally {
    db.close();
  }
}
