/** Contract §1–§4: setup, registration, routing and every row of the authentication table. */

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { needs } from '../support/shared.js';
import { authHeaders, call, JSON_CT, MESSAGE, postJson, SESSION_START, sid, useServer } from './helpers.js';

const openapi = needs('catsyphon-openapi');

const srv = useServer();
const url = (p: string) => `${srv.s.url}${p}`;
const batch = () => ({ session_id: sid('auth'), events: [SESSION_START, MESSAGE] });

openapi.describe('§2 setup', () => {
  it('bootstraps an organization and a workspace over HTTP, and reports onboarding', async () => {
    const before = await call(url('/setup/status'));
    expect(before.status).toBe(200);
    expect(before.json).toEqual({ needs_onboarding: true, organization_count: 0, workspace_count: 0 });

    const org = await postJson(url('/setup/organizations'), { name: 'ACME Corporation' });
    expect(org.status).toBe(201);
    const o = org.json as Record<string, unknown>;
    expect(Object.keys(o)).toEqual(['id', 'name', 'slug', 'is_active', 'created_at']);
    expect(o).toMatchObject({ name: 'ACME Corporation', slug: 'acme-corporation', is_active: true });
    expect(o.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$/);

    const dup = await postJson(url('/setup/organizations'), { name: 'ACME Corporation' });
    expect(dup.status).toBe(400);
    expect((dup.json as { detail: string }).detail).toMatch(
      /^Organization with slug 'acme-corporation' already exists\./,
    );

    const ws = await postJson(url('/setup/workspaces'), { organization_id: o.id, name: 'Engineering' });
    expect(ws.status).toBe(201);
    const w = ws.json as Record<string, unknown>;
    expect(Object.keys(w)).toEqual(['id', 'organization_id', 'name', 'slug', 'is_active', 'created_at']);
    expect(w).toMatchObject({
      organization_id: o.id,
      name: 'Engineering',
      slug: 'engineering',
      is_active: true,
    });

    const missingOrg = randomUUID();
    const noOrg = await postJson(url('/setup/workspaces'), { organization_id: missingOrg, name: 'X' });
    expect(noOrg.status).toBe(404);
    expect(noOrg.json).toEqual({ detail: `Organization with ID '${missingOrg}' not found` });

    const after = await call(url('/setup/status'));
    expect(after.json).toEqual({ needs_onboarding: false, organization_count: 1, workspace_count: 1 });

    expect((await call(url(`/setup/workspaces/${w.id}`))).json).toEqual(w);
    expect((await call(url(`/setup/workspaces?organization_id=${o.id}`))).json).toEqual([w]);
    const unknownWs = await call(url(`/setup/workspaces/${randomUUID()}`));
    expect(unknownWs.status).toBe(404);
    expect(unknownWs.json).toEqual({ detail: 'Workspace not found' });
    const unknownOrg = await call(url(`/setup/organizations/${randomUUID()}`));
    expect(unknownOrg.json).toEqual({ detail: 'Organization not found' });
    const badSlug = await postJson(url('/setup/organizations'), { name: 'Y', slug: 'Not OK' });
    expect(badSlug.status).toBe(422);
    expect((badSlug.json as { detail: { type: string; loc: unknown[] }[] }).detail[0]).toMatchObject({
      type: 'string_pattern_mismatch',
      loc: ['body', 'slug'],
    });
    const emptyName = await postJson(url('/setup/organizations'), { name: '' });
    expect((emptyName.json as { detail: { type: string }[] }).detail[0]?.type).toBe('string_too_short');
  });
});

describe('§3 registration', () => {
  openapi.it('201 with a 51-char cs_live_ key, its 12-char prefix, a UUID and a created_at', async () => {
    const { workspaceId } = srv.s.admin.setupWorkspace();
    const r = await postJson(url('/collectors'), {
      collector_type: 'aiobscura',
      collector_version: '0.1.0',
      hostname: 'edge-mac-01',
      workspace_id: workspaceId,
      metadata: { os: 'macOS 14' },
    });
    expect(r.status).toBe(201);
    const b = r.json as Record<string, string>;
    expect(Object.keys(b)).toEqual(['collector_id', 'api_key', 'api_key_prefix', 'created_at']);
    expect(b.collector_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(b.api_key).toMatch(/^cs_live_[A-Za-z0-9_-]{43}$/);
    expect(b.api_key_prefix).toBe(b.api_key?.slice(0, 12));
    expect(b.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$/);
    // the key works
    const ok = await postJson(
      url('/collectors/events'),
      batch(),
      authHeaders({ collectorId: b.collector_id!, apiKey: b.api_key! }),
    );
    expect(ok.status).toBe(202);
  });

  openapi.it(
    '404 for an unknown workspace, 422 for a bad UUID, a missing field or non-object metadata',
    async () => {
      const ws = randomUUID();
      const base = {
        collector_type: 'aiobscura',
        collector_version: '0.1.0',
        hostname: 'h',
        workspace_id: ws,
      };
      const nf = await postJson(url('/collectors'), base);
      expect(nf.status).toBe(404);
      expect(nf.json).toEqual({ detail: `Workspace ${ws} not found` });

      const badUuid = await postJson(url('/collectors'), { ...base, workspace_id: 'nope' });
      expect(badUuid.status).toBe(422);
      expect((badUuid.json as { detail: { type: string; loc: unknown[] }[] }).detail).toMatchObject([
        { type: 'uuid_parsing', loc: ['body', 'workspace_id'] },
      ]);

      const { hostname: _h, ...noHost } = base;
      const missing = await postJson(url('/collectors'), noHost);
      expect(missing.status).toBe(422);
      expect(missing.json).toEqual({
        detail: [{ type: 'missing', loc: ['body', 'hostname'], msg: 'Field required', input: noHost }],
      });

      const meta = await postJson(url('/collectors'), { ...base, metadata: 'x' });
      expect(meta.json).toEqual({
        detail: [
          {
            type: 'dict_type',
            loc: ['body', 'metadata'],
            msg: 'Input should be a valid dictionary',
            input: 'x',
          },
        ],
      });
    },
  );

  it('500 text/plain when collector_type exceeds varchar(50)', async () => {
    const { workspaceId } = srv.s.admin.setupWorkspace();
    const r = await postJson(url('/collectors'), {
      collector_type: 'x'.repeat(51),
      collector_version: '1',
      hostname: 'h',
      workspace_id: workspaceId,
    });
    expect(r.status).toBe(500);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(r.text).toBe('Internal Server Error');
  });

  it('GET /collectors → 405 Method Not Allowed; unknown paths → 404 Not Found; /health → 200', async () => {
    const r = await call(url('/collectors'));
    expect(r.status).toBe(405);
    expect(r.json).toEqual({ detail: 'Method Not Allowed' });
    const nf = await call(url('/api/collectors/events'), { method: 'POST' });
    expect(nf.status).toBe(404);
    expect(nf.json).toEqual({ detail: 'Not Found' });
    const h = await call(url('/health'));
    expect(h.status).toBe(200);
    expect(h.json).toEqual({ status: 'ok' });
  });

  it('builtin credentials: same watcher collector on every call', async () => {
    const { workspaceId } = srv.s.admin.setupWorkspace();
    const a = await call(url(`/collectors/builtin/credentials?workspace_id=${workspaceId}`));
    const b = await call(url(`/collectors/builtin/credentials?workspace_id=${workspaceId}`));
    expect(a.status).toBe(200);
    expect(b.json).toEqual(a.json);
  });
});

openapi.describe('§4 authentication table', () => {
  it('missing headers → 422 with both `missing` entries, even with a valid body', async () => {
    const r = await postJson(url('/collectors/events'), batch());
    expect(r.status).toBe(422);
    expect(r.json).toEqual({
      detail: [
        { type: 'missing', loc: ['header', 'authorization'], msg: 'Field required', input: null },
        { type: 'missing', loc: ['header', 'x-collector-id'], msg: 'Field required', input: null },
      ],
    });
  });

  it('an invalid body is answered 422 before authentication (wrong key)', async () => {
    const c = srv.s.admin.registerCollector();
    const r = await postJson(
      url('/collectors/events'),
      { session_id: 'x', events: [] },
      authHeaders({ ...c, apiKey: 'cs_live_wrong' }),
    );
    expect(r.status).toBe(422);
    expect((r.json as { detail: { type: string }[] }).detail[0]?.type).toBe('too_short');
  });

  it('Authorization not starting with exactly "Bearer " → 401 format', async () => {
    const c = srv.s.admin.registerCollector();
    for (const auth of [`bearer ${c.apiKey}`, `Token ${c.apiKey}`, c.apiKey, 'Bearer']) {
      const r = await postJson(url('/collectors/events'), batch(), {
        authorization: auth,
        'x-collector-id': c.collectorId,
      });
      expect(r.status, auth).toBe(401);
      expect(r.json).toEqual({ detail: 'Invalid authorization header format' });
      expect(r.headers.get('www-authenticate')).toBeNull();
    }
  });

  it('non-UUID collector id → 400; unknown collector → 401 Collector not found', async () => {
    const c = srv.s.admin.registerCollector();
    const bad = await postJson(url('/collectors/events'), batch(), {
      ...authHeaders(c),
      'x-collector-id': 'not-a-uuid',
    });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ detail: 'Invalid collector ID format' });
    const unknown = await postJson(url('/collectors/events'), batch(), {
      ...authHeaders(c),
      'x-collector-id': randomUUID(),
    });
    expect(unknown.status).toBe(401);
    expect(unknown.json).toEqual({ detail: 'Collector not found' });
    // Python's uuid.UUID accepts other spellings of the same id
    const upper = await postJson(url('/collectors/events'), batch(), {
      ...authHeaders(c),
      'x-collector-id': `{${c.collectorId.toUpperCase()}}`,
    });
    expect(upper.status).toBe(202);
  });

  it('wrong key, or another collector valid key → 401 Invalid API key', async () => {
    const a = srv.s.admin.registerCollector();
    const b = srv.s.admin.registerCollector();
    const wrong = await postJson(
      url('/collectors/events'),
      batch(),
      authHeaders({ ...a, apiKey: `${a.apiKey}x` }),
    );
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({ detail: 'Invalid API key' });
    const other = await postJson(
      url('/collectors/events'),
      batch(),
      authHeaders({ collectorId: a.collectorId, apiKey: b.apiKey }),
    );
    expect(other.status).toBe(401);
    expect(other.json).toEqual({ detail: 'Invalid API key' });
  });

  it('disabled collector: right key → 403 on every endpoint, wrong key → 401', async () => {
    const c = srv.s.admin.registerCollector();
    const session = sid('disabled');
    expect(
      (
        await postJson(
          url('/collectors/events'),
          { session_id: session, events: [SESSION_START] },
          authHeaders(c),
        )
      ).status,
    ).toBe(202);
    srv.s.admin.disableCollector(c.collectorId);
    const disabled = { detail: 'Collector is disabled' };
    const ev = await postJson(url('/collectors/events'), batch(), authHeaders(c));
    expect([ev.status, ev.json]).toEqual([403, disabled]);
    const st = await call(url(`/collectors/sessions/${session}`), { headers: authHeaders(c) });
    expect([st.status, st.json]).toEqual([403, disabled]);
    const done = await postJson(
      url(`/collectors/sessions/${session}/complete`),
      { outcome: 'success' },
      authHeaders(c),
    );
    expect([done.status, done.json]).toEqual([403, disabled]);
    const wrong = await postJson(
      url('/collectors/events'),
      batch(),
      authHeaders({ ...c, apiKey: 'cs_live_nope' }),
    );
    expect([wrong.status, wrong.json]).toEqual([401, { detail: 'Invalid API key' }]);
    srv.s.admin.enableCollector(c.collectorId);
    expect((await postJson(url('/collectors/events'), batch(), authHeaders(c))).status).toBe(202);
  });

  it('a text/plain body → 422 model_attributes_type on ["body"]', async () => {
    const c = srv.s.admin.registerCollector();
    const body = JSON.stringify(batch());
    const r = await call(url('/collectors/events'), {
      method: 'POST',
      headers: { ...authHeaders(c), 'content-type': 'text/plain' },
      body,
    });
    expect(r.status).toBe(422);
    expect(r.json).toEqual({
      detail: [
        {
          type: 'model_attributes_type',
          loc: ['body'],
          msg: 'Input should be a valid dictionary or object to extract fields from',
          input: body,
        },
      ],
    });
  });

  it('invalid JSON → 422 json_invalid; no body → 422 missing on ["body"]', async () => {
    const c = srv.s.admin.registerCollector();
    const r = await call(url('/collectors/events'), {
      method: 'POST',
      headers: { ...authHeaders(c), ...JSON_CT },
      body: '{"a":',
    });
    expect(r.json).toEqual({
      detail: [
        {
          type: 'json_invalid',
          loc: ['body', 5],
          msg: 'JSON decode error',
          input: {},
          ctx: { error: 'Expecting value' },
        },
      ],
    });
    const none = await call(url('/collectors/events'), { method: 'POST', headers: authHeaders(c) });
    expect(none.json).toEqual({
      detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }],
    });
  });
});
