/** The unauthenticated `/setup` routes (contract §2) and `/health`. */

import type { RequestCtx } from './collectors.js';
import { formatResponseTime } from './datetime.js';
import { decodeBody, detailReply, jsonReply, type Reply, validationReply } from './http.js';
import { type Organization, slugify, type Workspace } from './store.js';
import { validateRequest } from './validate.js';

const UUID_SCHEMA = { type: 'string', format: 'uuid' } as const;

function orgJson(o: Organization) {
  return {
    id: o.id,
    name: o.name,
    slug: o.slug,
    is_active: o.isActive,
    created_at: formatResponseTime(o.createdAt),
  };
}

function wsJson(w: Workspace) {
  return {
    id: w.id,
    organization_id: w.organizationId,
    name: w.name,
    slug: w.slug,
    is_active: w.isActive,
    created_at: formatResponseTime(w.createdAt),
  };
}

function validatedBody(ctx: RequestCtx, model: string): Record<string, unknown> | Reply {
  const ct = ctx.headers['content-type'];
  const d = decodeBody(Array.isArray(ct) ? ct[0] : ct, ctx.body);
  if (!d.ok) return d.status === 422 ? validationReply(d.errors) : detailReply(400, d.detail);
  const r = validateRequest({ body: { model, input: d.input } });
  if (!r.ok) return validationReply(r.errors);
  return r.body as Record<string, unknown>;
}

function isReply(x: object): x is Reply {
  return 'contentType' in x;
}

function pathUuid(ctx: RequestCtx, name: string): string | Reply {
  const r = validateRequest({ path: [{ name, schema: UUID_SCHEMA, value: ctx.params[name] as string }] });
  if (!r.ok) return validationReply(r.errors);
  return r.path[name] as string;
}

export function health(): Reply {
  return jsonReply(200, { status: 'ok' });
}

export function setupStatus(ctx: RequestCtx): Reply {
  const organizationCount = Math.min(1, ctx.store.organizations.size);
  const workspaceCount = Math.min(1, ctx.store.workspaces.size);
  return jsonReply(200, {
    needs_onboarding: workspaceCount === 0,
    organization_count: organizationCount,
    workspace_count: workspaceCount,
  });
}

export function createOrganization(ctx: RequestCtx): Reply {
  const body = validatedBody(ctx, 'OrganizationCreate');
  if (isReply(body)) return body;
  const name = body.name as string;
  const slug = (body.slug as string | null | undefined) ?? slugify(name);
  if (ctx.store.slugTaken(slug)) {
    return detailReply(
      400,
      `Organization with slug '${slug}' already exists. Please choose a different slug.`,
    );
  }
  return jsonReply(201, orgJson(ctx.store.createOrganization(name, slug)));
}

export function listOrganizations(ctx: RequestCtx): Reply {
  return jsonReply(200, [...ctx.store.organizations.values()].filter((o) => o.isActive).map(orgJson));
}

export function getOrganization(ctx: RequestCtx): Reply {
  const id = pathUuid(ctx, 'org_id');
  if (typeof id !== 'string') return id;
  const org = ctx.store.organizations.get(id);
  return org ? jsonReply(200, orgJson(org)) : detailReply(404, 'Organization not found');
}

export function createWorkspace(ctx: RequestCtx): Reply {
  const body = validatedBody(ctx, 'WorkspaceCreate');
  if (isReply(body)) return body;
  const orgId = body.organization_id as string;
  if (!ctx.store.organizations.has(orgId))
    return detailReply(404, `Organization with ID '${orgId}' not found`);
  const name = body.name as string;
  const slug = (body.slug as string | null | undefined) ?? slugify(name);
  if (ctx.store.slugTaken(slug)) {
    return detailReply(400, `Workspace with slug '${slug}' already exists. Please choose a different slug.`);
  }
  return jsonReply(201, wsJson(ctx.store.createWorkspace(orgId, name, slug)));
}

export function listWorkspaces(ctx: RequestCtx): Reply {
  const raw = ctx.query.get('organization_id');
  let orgId: string | null = null;
  if (raw !== null) {
    const r = validateRequest({
      query: [{ name: 'organization_id', schema: UUID_SCHEMA, value: raw, required: false }],
    });
    if (!r.ok) return validationReply(r.errors);
    orgId = r.query.organization_id as string;
  }
  const list = [...ctx.store.workspaces.values()].filter((w) => orgId === null || w.organizationId === orgId);
  return jsonReply(200, list.map(wsJson));
}

export function getWorkspace(ctx: RequestCtx): Reply {
  const id = pathUuid(ctx, 'workspace_id');
  if (typeof id !== 'string') return id;
  const ws = ctx.store.workspaces.get(id);
  return ws ? jsonReply(200, wsJson(ws)) : detailReply(404, 'Workspace not found');
}
