/**
 * Fault injection: a queue of one-shot faults for the next matching requests, probabilistic faults drawn from a
 * seeded RNG (so a chaos run is reproducible from its seed), and server-wide modes. Admin requests
 * (`/__admin/...`) are never faulted.
 */

export type Fault =
  /** Answer with this status (nothing stored). `body`: a string is sent as is, anything else as JSON. */
  | { kind: 'status'; status: number; body?: unknown; contentType?: string; headers?: Record<string, string> }
  /** Wait, then handle the request normally. */
  | { kind: 'latency'; ms: number }
  /** Read the request, then reset the connection (TCP RST) without answering; nothing stored. */
  | { kind: 'reset' }
  /** Read the request, wait, then drop the connection without answering; nothing stored. */
  | { kind: 'stall-drop'; ms: number }
  /** Handle (and commit) the request normally, then wait and drop the connection without answering. */
  | { kind: 'stall-commit'; ms: number }
  /** 200 `text/html`: the web UI's index.html, as a misrouted proxy would answer. */
  | { kind: 'html200' }
  /** A redirect (default 307) to another host; default `http://127.0.0.2:<trap port><same path>`. */
  | { kind: 'redirect'; location?: string; status?: number }
  /** `application/json` with a body cut off mid-object (default status 202): JSON that does not parse. */
  | { kind: 'malformed-json'; status?: number }
  /** Headers (default 202 JSON), then one body byte every `intervalMs` (default 50) until the client leaves. */
  | { kind: 'trickle'; status?: number; intervalMs?: number }
  /**
   * A valid JSON body of `bytes` (default 50 MiB; default status 202, with `accepted`/`last_sequence` first),
   * streamed with backpressure, so a client that stops reading costs the server nothing.
   */
  | { kind: 'oversized'; status?: number; bytes?: number };

export type FaultKind = Fault['kind'];

export interface FaultMatch {
  /** HTTP method, case-insensitive. */
  method?: string;
  /** Path prefix (of the raw request path, query excluded). */
  path?: string;
  /** Only requests whose body contains this text (a fault aimed at one event, wherever it is batched). */
  bodyContains?: string;
}

export interface ScriptedFault {
  fault: Fault;
  match?: FaultMatch;
  /** How many matching requests it answers (default 1). */
  times?: number;
}

export interface RandomFault {
  fault: Fault;
  /** 0..1 per matching request. */
  probability: number;
  match?: FaultMatch;
}

export interface Modes {
  /**
   * A server that leaks what it was sent: the request's Authorization header is copied into every non-2xx
   * answer (JSON `detail` and 422 `msg`s, text bodies, the `Location` of redirects) and into the bodies of the
   * fault-made 2xx answers, in raw, URL-encoded and base64 forms. Tests prove the client never stores or
   * prints it.
   */
  echoAuth: boolean;
  /** Bodies over 1 MiB → 413 with nginx's HTML page, decided before parsing. */
  limit413: boolean;
  /** The sequence-enforcing server of contract §12 (409 on a gap). */
  legacy: boolean;
  /** The listener is closed: connections are refused until turned off (same port afterwards). */
  outage: boolean;
}

export const LIMIT_413_BYTES = 1024 * 1024;

const KINDS = new Set<FaultKind>([
  'status',
  'latency',
  'reset',
  'stall-drop',
  'stall-commit',
  'html200',
  'redirect',
  'malformed-json',
  'trickle',
  'oversized',
]);

/** Checks a fault that came over HTTP; returns an error text or null. */
export function checkFault(f: unknown): string | null {
  if (typeof f !== 'object' || f === null) return 'fault must be an object';
  const kind = (f as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !KINDS.has(kind as FaultKind)) return `unknown fault kind ${String(kind)}`;
  const rec = f as Record<string, unknown>;
  if (kind === 'status' && (typeof rec.status !== 'number' || rec.status < 100 || rec.status > 599)) {
    return 'status fault needs a status 100..599';
  }
  if (
    (kind === 'latency' || kind === 'stall-drop' || kind === 'stall-commit') &&
    typeof rec.ms !== 'number'
  ) {
    return `${kind} fault needs ms`;
  }
  if (rec.status !== undefined && (typeof rec.status !== 'number' || rec.status < 100 || rec.status > 599)) {
    return 'status must be 100..599';
  }
  if (kind === 'oversized' && rec.bytes !== undefined && (typeof rec.bytes !== 'number' || rec.bytes < 64)) {
    return 'oversized fault needs bytes ≥ 64';
  }
  return null;
}

/** mulberry32: small, fast, good enough for reproducible fault schedules. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function matches(m: FaultMatch | undefined, method: string, path: string, body: Buffer): boolean {
  if (!m) return true;
  if (m.method && m.method.toUpperCase() !== method.toUpperCase()) return false;
  if (m.path && !path.startsWith(m.path)) return false;
  if (m.bodyContains !== undefined && !body.includes(m.bodyContains)) return false;
  return true;
}

export class FaultPlan {
  private queue: { fault: Fault; match?: FaultMatch; left: number }[] = [];
  private random: RandomFault[] = [];
  private rng: () => number;
  seed: number;

  constructor(seed = 1) {
    this.seed = seed;
    this.rng = mulberry32(seed);
  }

  setSeed(seed: number): void {
    this.seed = seed;
    this.rng = mulberry32(seed);
  }

  script(f: ScriptedFault): void {
    const entry: { fault: Fault; match?: FaultMatch; left: number } = { fault: f.fault, left: f.times ?? 1 };
    if (f.match) entry.match = f.match;
    this.queue.push(entry);
  }

  addRandom(r: RandomFault): void {
    this.random.push(r);
  }

  clear(): void {
    this.queue = [];
    this.random = [];
  }

  pending(): { scripted: ScriptedFault[]; random: RandomFault[]; seed: number } {
    return {
      scripted: this.queue.map((q) => ({
        fault: q.fault,
        ...(q.match ? { match: q.match } : {}),
        times: q.left,
      })),
      random: [...this.random],
      seed: this.seed,
    };
  }

  /** The fault answering this request, if any (consumes a scripted one; draws for random ones). */
  next(method: string, path: string, body: Buffer = Buffer.alloc(0)): Fault | null {
    const i = this.queue.findIndex((q) => matches(q.match, method, path, body));
    if (i >= 0) {
      const q = this.queue[i]!;
      q.left -= 1;
      if (q.left <= 0) this.queue.splice(i, 1);
      return q.fault;
    }
    for (const r of this.random) {
      if (!matches(r.match, method, path, body)) continue;
      if (this.rng() < r.probability) return r.fault;
    }
    return null;
  }
}
