/**
 * The test server's database: organizations, workspaces, collectors (SHA-256 of the key, `is_active`),
 * conversations keyed by `session_id`, and an **append-only** list of every stored event row. Nothing is ever
 * overwritten or removed from `rows`, so a duplicate the server let through stays visible.
 */

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { nowMicros } from './datetime.js';

export interface Organization {
  id: string;
  name: string;
  slug: string;
  isActive: boolean;
  createdAt: number;
}

export interface Workspace {
  id: string;
  organizationId: string;
  name: string;
  slug: string;
  isActive: boolean;
  createdAt: number;
}

export interface Collector {
  id: string;
  workspaceId: string;
  collectorType: string;
  name: string;
  /** SHA-256 hex of the full API key; null only for a collector created without one. */
  apiKeyHash: string | null;
  apiKeyPrefix: string;
  isActive: boolean;
  metadata: Record<string, unknown>;
  createdAt: number;
  /** Only the built-in watcher collector keeps its plaintext key (as CatSyphon does). */
  builtinKey?: string;
}

export interface Conversation {
  id: string;
  sessionId: string;
  workspaceId: string;
  /** The collector whose batch created it (null: non-collector ingestion). */
  collectorId: string | null;
  agentType: string;
  agentVersion: string | null;
  slug: string | null;
  metadata: Record<string, unknown>;
  /** Epoch µs: earliest emitted_at of the first batch. */
  startTime: number;
  /** Epoch µs: latest emitted_at seen, or the session_end / complete time. */
  endTime: number | null;
  /** Epoch µs: server receive time of the last batch that added something. */
  lastEventAt: number;
  status: 'active' | 'completed';
  success: boolean | null;
  summary: string | null;
  /** Running counter: previous + accepted (contract §8). */
  lastSequence: number;
  /** Stored message-like rows. */
  eventCount: number;
  /** Hashes of stored rows (the dedup scope). */
  hashes: Set<string>;
  /** Legacy server only: max stored client `sequence`. */
  lastEventSequence: number;
}

/** One stored event (message, tool_call, tool_result, thinking, error). */
export interface Row {
  /** Position in `rows` (0-based). */
  index: number;
  /** The batch (request) that stored it, numbered from 1 across the server. */
  batch: number;
  sessionId: string;
  conversationId: string;
  collectorId: string;
  type: string;
  /** Python `isoformat()` of the parsed emitted_at (as it appears in the hash preimage). */
  emittedAt: string;
  emittedAtMicros: number;
  observedAt: string;
  hash: string;
  /** Whether the hash was the client's or the server's fallback. */
  hashSource: 'client' | 'server';
  /** Coerced data with top-level nulls removed (CatSyphon's raw_data). */
  data: Record<string, unknown>;
  authorRole: string;
  messageType: string;
  /** Legacy server: the client's sequence. */
  sequence?: number;
  receivedAt: number;
}

/** Every accepted event, stored or not (session_start, session_end, metadata, unknown types too). */
export interface AcceptedEvent {
  batch: number;
  sessionId: string;
  collectorId: string;
  type: string;
  emittedAt: string;
  hash: string;
  stored: boolean;
  data: Record<string, unknown>;
  sequence?: number;
}

export interface Registered {
  collector: Collector;
  apiKey: string;
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/** `cs_live_` + `secrets.token_urlsafe(32)` (43 chars). */
export function newApiKey(): string {
  return `cs_live_${randomBytes(32).toString('base64url')}`;
}

export function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export class Store {
  readonly organizations = new Map<string, Organization>();
  readonly workspaces = new Map<string, Workspace>();
  readonly collectors = new Map<string, Collector>();
  readonly conversations = new Map<string, Conversation>();
  readonly rows: Row[] = [];
  readonly accepted: AcceptedEvent[] = [];
  private batches = 0;
  /** Keys the next registrations issue instead of random ones (test-only: a known, distinctive key). */
  readonly nextApiKeys: string[] = [];

  nextBatch(): number {
    this.batches += 1;
    return this.batches;
  }

  slugTaken(slug: string): boolean {
    for (const o of this.organizations.values()) if (o.slug === slug) return true;
    for (const w of this.workspaces.values()) if (w.slug === slug) return true;
    return false;
  }

  createOrganization(name: string, slug: string): Organization {
    const org = { id: randomUUID(), name, slug, isActive: true, createdAt: nowMicros() };
    this.organizations.set(org.id, org);
    return org;
  }

  createWorkspace(organizationId: string, name: string, slug: string): Workspace {
    const ws = { id: randomUUID(), organizationId, name, slug, isActive: true, createdAt: nowMicros() };
    this.workspaces.set(ws.id, ws);
    return ws;
  }

  /** A slug not yet used, derived from `base` (for the admin shortcuts). */
  freeSlug(base: string): string {
    const root = slugify(base) || 'x';
    let slug = root;
    for (let i = 2; this.slugTaken(slug); i++) slug = `${root}-${i}`;
    return slug;
  }

  registerCollector(opts: {
    workspaceId: string;
    collectorType: string;
    collectorVersion: string;
    hostname: string;
    metadata?: Record<string, unknown> | null;
    builtin?: boolean;
    apiKey?: string;
  }): Registered {
    const apiKey = opts.apiKey ?? this.nextApiKeys.shift() ?? newApiKey();
    const collector: Collector = {
      id: randomUUID(),
      workspaceId: opts.workspaceId,
      collectorType: opts.collectorType,
      name: `${opts.collectorType}@${opts.hostname}`,
      apiKeyHash: sha256Hex(apiKey),
      apiKeyPrefix: apiKey.slice(0, 12),
      isActive: true,
      metadata: {
        collector_version: opts.collectorVersion,
        hostname: opts.hostname,
        ...(opts.metadata ?? {}),
      },
      createdAt: nowMicros(),
    };
    if (opts.builtin) collector.builtinKey = apiKey;
    this.collectors.set(collector.id, collector);
    return { collector, apiKey };
  }

  rowsOf(sessionId?: string): readonly Row[] {
    return sessionId === undefined ? this.rows : this.rows.filter((r) => r.sessionId === sessionId);
  }

  clear(): void {
    this.organizations.clear();
    this.workspaces.clear();
    this.collectors.clear();
    this.conversations.clear();
    this.nextApiKeys.length = 0;
    this.rows.length = 0;
    this.accepted.length = 0;
    this.batches = 0;
  }
}
