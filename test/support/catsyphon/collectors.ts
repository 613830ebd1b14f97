/** The `/collectors` routes (contract §3–§11): validation first, then authentication, then the work. */

import type { IncomingHttpHeaders } from 'node:http';
import { authenticate } from './auth.js';
import { formatResponseTime } from './datetime.js';
import { decodeBody, detailReply, jsonReply, type Reply, textReply, validationReply } from './http.js';
import { type Batch, completeSession, ingestBatch, ingestLegacyBatch } from './ingest.js';
import type { Collector, Conversation, Store } from './store.js';
import { type BodyInput, validateRequest } from './validate.js';

export interface RequestCtx {
  store: Store;
  legacy: boolean;
  headers: IncomingHttpHeaders;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Buffer;
  now: number;
  /** Called with the number of events dropped as duplicates by an accepted batch. */
  onBatch?: (accepted: number, duplicates: number) => void;
}

function header(ctx: RequestCtx, name: string): string | undefined {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function authHeaders(ctx: RequestCtx) {
  return [
    { name: 'authorization', value: header(ctx, 'authorization') },
    { name: 'x-collector-id', value: header(ctx, 'x-collector-id') },
  ];
}

/** Decodes the body like FastAPI; a decode failure is already the reply. */
function bodyOf(ctx: RequestCtx): BodyInput | Reply {
  const d = decodeBody(header(ctx, 'content-type'), ctx.body);
  if (d.ok) return d.input;
  return d.status === 422 ? validationReply(d.errors) : detailReply(400, d.detail);
}

function isReply(x: object): x is Reply {
  return 'contentType' in x;
}

/** Validation (headers + body) then auth; the collector or the reply that ends the request. */
function gate(
  ctx: RequestCtx,
  model: string | null,
): { collector: Collector; body: Record<string, unknown> | undefined } | Reply {
  let input: BodyInput | undefined;
  if (model) {
    const b = bodyOf(ctx);
    if (isReply(b)) return b;
    input = b;
  }
  const r = validateRequest({
    headers: authHeaders(ctx),
    ...(model && input ? { body: { model, input } } : {}),
    legacy: ctx.legacy,
  });
  if (!r.ok) return validationReply(r.errors);
  const auth = authenticate(
    ctx.store,
    header(ctx, 'authorization') ?? '',
    header(ctx, 'x-collector-id') ?? '',
  );
  if (!auth.ok) return detailReply(auth.status, auth.detail);
  return { collector: auth.collector, body: r.body };
}

export function registerCollector(ctx: RequestCtx): Reply {
  const b = bodyOf(ctx);
  if (isReply(b)) return b;
  const r = validateRequest({ body: { model: 'CollectorRegisterRequest', input: b } });
  if (!r.ok) return validationReply(r.errors);
  const body = r.body as {
    collector_type: string;
    collector_version: string;
    hostname: string;
    workspace_id: string;
    metadata?: Record<string, unknown> | null;
  };
  if (!ctx.store.workspaces.has(body.workspace_id))
    return detailReply(404, `Workspace ${body.workspace_id} not found`);
  // varchar(50) / varchar(255): a DB error outside the ingestion service → uvicorn's plain 500
  const name = `${body.collector_type}@${body.hostname}`;
  if ([...body.collector_type].length > 50 || [...name].length > 255)
    return textReply(500, 'Internal Server Error');
  const { collector, apiKey } = ctx.store.registerCollector({
    workspaceId: body.workspace_id,
    collectorType: body.collector_type,
    collectorVersion: body.collector_version,
    hostname: body.hostname,
    metadata: body.metadata ?? null,
  });
  return jsonReply(201, credentials(collector, apiKey));
}

function credentials(collector: Collector, apiKey: string) {
  return {
    collector_id: collector.id,
    api_key: apiKey,
    api_key_prefix: collector.apiKeyPrefix,
    created_at: formatResponseTime(collector.createdAt),
  };
}

export function builtinCredentials(ctx: RequestCtx): Reply {
  const r = validateRequest({
    query: [
      {
        name: 'workspace_id',
        schema: { type: 'string', format: 'uuid' },
        value: ctx.query.get('workspace_id') ?? undefined,
        required: true,
      },
    ],
  });
  if (!r.ok) return validationReply(r.errors);
  const workspaceId = r.query.workspace_id as string;
  if (!ctx.store.workspaces.has(workspaceId)) return detailReply(404, `Workspace ${workspaceId} not found`);
  for (const c of ctx.store.collectors.values()) {
    if (c.workspaceId === workspaceId && c.builtinKey) return jsonReply(200, credentials(c, c.builtinKey));
  }
  const { collector, apiKey } = ctx.store.registerCollector({
    workspaceId,
    collectorType: 'watcher',
    collectorVersion: 'builtin',
    hostname: 'catsyphon-server',
    builtin: true,
  });
  return jsonReply(200, credentials(collector, apiKey));
}

export function submitEvents(ctx: RequestCtx): Reply {
  const g = gate(ctx, 'CollectorEventsRequest');
  if (isReply(g)) return g;
  const batch = g.body as unknown as Batch;
  const ingest = ctx.legacy ? ingestLegacyBatch : ingestBatch;
  const result = ingest(ctx.store, batch, g.collector, ctx.now);
  if (result.status === 500) return detailReply(500, result.detail);
  if (result.status === 409) return jsonReply(409, result.body);
  ctx.onBatch?.(result.body.accepted, result.duplicates);
  return jsonReply(202, result.body);
}

/** Session lookup shared by status and complete: 404 unknown, 403 another collector's. */
function owned(ctx: RequestCtx, collector: Collector): Conversation | Reply {
  const sessionId = ctx.params.session_id as string;
  const conv = ctx.store.conversations.get(sessionId);
  if (!conv) return detailReply(404, `No events received for session ${sessionId}`);
  if (conv.collectorId !== collector.id) return detailReply(403, 'Session belongs to a different collector');
  return conv;
}

export function sessionStatus(ctx: RequestCtx): Reply {
  const g = gate(ctx, null);
  if (isReply(g)) return g;
  const conv = owned(ctx, g.collector);
  if (isReply(conv)) return conv;
  return jsonReply(200, {
    session_id: conv.sessionId,
    conversation_id: conv.id,
    last_sequence: conv.lastSequence,
    event_count: conv.eventCount,
    first_event_at: formatResponseTime(conv.startTime),
    last_event_at: formatResponseTime(conv.lastEventAt),
    status: conv.status,
  });
}

export function completeSessionRoute(ctx: RequestCtx): Reply {
  const g = gate(ctx, 'CollectorSessionCompleteRequest');
  if (isReply(g)) return g;
  const conv = owned(ctx, g.collector);
  if (isReply(conv)) return conv;
  completeSession(
    conv,
    g.body as { outcome: string; summary?: string | null; final_sequence?: number },
    ctx.now,
  );
  return jsonReply(200, {
    session_id: conv.sessionId,
    conversation_id: conv.id,
    status: 'completed',
    total_events: conv.eventCount,
  });
}
