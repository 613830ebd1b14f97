/** Request log and counters: what reached the server, which route, which fault answered, what was dropped. */

import type { IncomingHttpHeaders } from 'node:http';

export interface RequestLogEntry {
  id: number;
  /** Epoch milliseconds when the request arrived. */
  at: number;
  /** `main`: the CatSyphon listener; `trap`: the cross-host redirect target (a request there is a leak). */
  listener: 'main' | 'trap';
  method: string;
  /** Raw request target (path and query, undecoded). */
  url: string;
  /** The path without the query, undecoded. */
  path: string;
  /** Route name (`POST /collectors/events`), `unmatched` or `trap`. */
  route: string;
  /** Status answered; null when the connection was dropped or reset without an answer. */
  status: number | null;
  /** The fault or mode that answered, if any. */
  fault: string | null;
  /** All request headers as received (lowercased names), Authorization included. */
  headers: IncomingHttpHeaders;
  bodyBytes: number;
  /** Body bytes handed to the socket, for the streaming faults (`trickle`, `oversized`), once it closed. */
  responseBytes?: number;
}

export interface Counters {
  /** Requests per route name. */
  requests: Record<string, number>;
  /** Answers per status code (`none` when dropped/reset). */
  statuses: Record<string, number>;
  /** Faults fired per kind (and `limit413`). */
  faults: Record<string, number>;
  /** 202 batches, events accepted by them, events dropped as duplicates. */
  batches: number;
  eventsAccepted: number;
  duplicatesDropped: number;
}

export function emptyCounters(): Counters {
  return { requests: {}, statuses: {}, faults: {}, batches: 0, eventsAccepted: 0, duplicatesDropped: 0 };
}

function bump(rec: Record<string, number>, key: string, by = 1): void {
  rec[key] = (rec[key] ?? 0) + by;
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];
  counters: Counters = emptyCounters();
  private nextId = 1;

  constructor(private readonly limit = 200_000) {}

  start(e: Omit<RequestLogEntry, 'id' | 'status' | 'fault'>): RequestLogEntry {
    const entry: RequestLogEntry = { ...e, id: this.nextId++, status: null, fault: null };
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    bump(this.counters.requests, e.route);
    return entry;
  }

  fault(entry: RequestLogEntry, kind: string): void {
    entry.fault = kind;
    bump(this.counters.faults, kind);
  }

  finish(entry: RequestLogEntry, status: number | null): void {
    entry.status = status;
    bump(this.counters.statuses, status === null ? 'none' : String(status));
  }

  batch(accepted: number, duplicates: number): void {
    this.counters.batches += 1;
    this.counters.eventsAccepted += accepted;
    this.counters.duplicatesDropped += duplicates;
  }

  list(): readonly RequestLogEntry[] {
    return this.entries;
  }

  resetCounters(): void {
    this.counters = emptyCounters();
  }

  clear(): void {
    this.entries = [];
    this.resetCounters();
  }
}
