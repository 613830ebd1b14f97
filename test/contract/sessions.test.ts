/** Contract §9–§10: session status and complete, ownership, and session ids in paths. */

import { describe, expect, it } from 'vitest';
import { needs } from '../support/shared.js';
import { authHeaders, call, MESSAGE, postJson, SESSION_START, sid, useServer } from './helpers.js';

const openapi = needs('catsyphon-openapi');

const srv = useServer();
const ISO_Z = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$/;

describe('§9 GET /collectors/sessions/{id}', () => {
  openapi.it('200 with exactly the seven fields; 404 before any event', async () => {
    const c = srv.s.admin.registerCollector();
    const session = sid('status');
    const path = `${srv.s.url}/collectors/sessions/${session}`;
    const none = await call(path, { headers: authHeaders(c) });
    expect([none.status, none.json]).toEqual([404, { detail: `No events received for session ${session}` }]);

    const posted = await postJson(
      `${srv.s.url}/collectors/events`,
      { session_id: session, events: [SESSION_START, MESSAGE] },
      authHeaders(c),
    );
    const conversationId = (posted.json as { conversation_id: string }).conversation_id;
    const r = await call(path, { headers: authHeaders(c) });
    expect(r.status).toBe(200);
    const b = r.json as Record<string, unknown>;
    expect(Object.keys(b)).toEqual([
      'session_id',
      'conversation_id',
      'last_sequence',
      'event_count',
      'first_event_at',
      'last_event_at',
      'status',
    ]);
    expect(b).toMatchObject({
      session_id: session,
      conversation_id: conversationId,
      last_sequence: 2,
      event_count: 1,
      first_event_at: '2026-02-24T10:00:00Z',
      status: 'active',
    });
    // last_event_at is the server's receive time, not an event time
    expect(b.last_event_at).toMatch(ISO_Z);
    expect(Math.abs(Date.parse(b.last_event_at as string) - Date.now())).toBeLessThan(60_000);
  });

  openapi.it(
    'ids with spaces, ? and # work percent-encoded; a decoded "/" → 404 Not Found (POST still stores it)',
    async () => {
      const c = srv.s.admin.registerCollector();
      const odd = `odd id?#${sid()}`;
      expect(
        (
          await postJson(
            `${srv.s.url}/collectors/events`,
            { session_id: odd, events: [MESSAGE] },
            authHeaders(c),
          )
        ).status,
      ).toBe(202);
      const ok = await call(`${srv.s.url}/collectors/sessions/${encodeURIComponent(odd)}`, {
        headers: authHeaders(c),
      });
      expect(ok.status).toBe(200);
      expect((ok.json as { session_id: string }).session_id).toBe(odd);

      const slashed = `a/b-${sid()}`;
      const posted = await postJson(
        `${srv.s.url}/collectors/events`,
        { session_id: slashed, events: [MESSAGE] },
        authHeaders(c),
      );
      expect(posted.status).toBe(202);
      const get = await call(`${srv.s.url}/collectors/sessions/${encodeURIComponent(slashed)}`, {
        headers: authHeaders(c),
      });
      expect([get.status, get.json]).toEqual([404, { detail: 'Not Found' }]);
      const complete = await postJson(
        `${srv.s.url}/collectors/sessions/${encodeURIComponent(slashed)}/complete`,
        { outcome: 'success' },
        authHeaders(c),
      );
      expect([complete.status, complete.json]).toEqual([404, { detail: 'Not Found' }]);
    },
  );

  openapi.it(
    'a second collector appends to an existing session (202) while its GET and complete get 403',
    async () => {
      const a = srv.s.admin.registerCollector({ hostname: 'a' });
      const b = srv.s.admin.registerCollector({ hostname: 'b' });
      const session = sid('shared');
      const first = await postJson(
        `${srv.s.url}/collectors/events`,
        { session_id: session, events: [SESSION_START, MESSAGE] },
        authHeaders(a),
      );
      const second = await postJson(
        `${srv.s.url}/collectors/events`,
        { session_id: session, events: [{ ...MESSAGE, event_hash: 'from-b' }] },
        authHeaders(b),
      );
      expect(second.status).toBe(202);
      expect(second.json).toMatchObject({
        accepted: 1,
        last_sequence: 3,
        conversation_id: (first.json as { conversation_id: string }).conversation_id,
      });
      const forbidden = { detail: 'Session belongs to a different collector' };
      const get = await call(`${srv.s.url}/collectors/sessions/${session}`, { headers: authHeaders(b) });
      expect([get.status, get.json]).toEqual([403, forbidden]);
      const done = await postJson(
        `${srv.s.url}/collectors/sessions/${session}/complete`,
        { outcome: 'success' },
        authHeaders(b),
      );
      expect([done.status, done.json]).toEqual([403, forbidden]);
      expect(srv.s.admin.rows(session).map((r) => r.collectorId)).toEqual([a.collectorId, b.collectorId]);
      const own = await call(`${srv.s.url}/collectors/sessions/${session}`, { headers: authHeaders(a) });
      expect(own.json).toMatchObject({ event_count: 2, last_sequence: 3 });
    },
  );

  it('missing headers on GET → 422 both missing', async () => {
    const r = await call(`${srv.s.url}/collectors/sessions/x`);
    expect(r.status).toBe(422);
    expect((r.json as { detail: { loc: string[] }[] }).detail.map((d) => d.loc)).toEqual([
      ['header', 'authorization'],
      ['header', 'x-collector-id'],
    ]);
  });
});

openapi.describe('§10 POST /collectors/sessions/{id}/complete', () => {
  it('200 body, repeatable, last_sequence unchanged; 404 unknown; 422 without body or outcome', async () => {
    const c = srv.s.admin.registerCollector();
    const session = sid('complete');
    const posted = await postJson(
      `${srv.s.url}/collectors/events`,
      { session_id: session, events: [SESSION_START, MESSAGE] },
      authHeaders(c),
    );
    const conversationId = (posted.json as { conversation_id: string }).conversation_id;
    const url = `${srv.s.url}/collectors/sessions/${session}/complete`;
    const body = {
      session_id: session,
      conversation_id: conversationId,
      status: 'completed',
      total_events: 1,
    };
    const r = await postJson(
      url,
      { event_count: 42, outcome: 'success', summary: 'Implemented auth' },
      authHeaders(c),
    );
    expect([r.status, r.json]).toEqual([200, body]);
    const again = await postJson(url, { outcome: 'whatever', final_sequence: 99 }, authHeaders(c));
    expect([again.status, again.json]).toEqual([200, body]);
    const st = await call(`${srv.s.url}/collectors/sessions/${session}`, { headers: authHeaders(c) });
    expect(st.json).toMatchObject({ status: 'completed', last_sequence: 2, event_count: 1 });
    expect(srv.s.admin.conversation(session)).toMatchObject({ success: true, summary: 'Implemented auth' });

    // late events are still accepted and the session stays completed
    const late = await postJson(
      `${srv.s.url}/collectors/events`,
      { session_id: session, events: [{ ...MESSAGE, event_hash: 'late' }] },
      authHeaders(c),
    );
    expect(late.json).toMatchObject({ accepted: 1, last_sequence: 3 });
    expect(
      (await call(`${srv.s.url}/collectors/sessions/${session}`, { headers: authHeaders(c) })).json,
    ).toMatchObject({
      status: 'completed',
    });

    const unknown = sid('nope');
    const nf = await postJson(
      `${srv.s.url}/collectors/sessions/${unknown}/complete`,
      { outcome: 'success' },
      authHeaders(c),
    );
    expect([nf.status, nf.json]).toEqual([404, { detail: `No events received for session ${unknown}` }]);

    const noBody = await call(url, { method: 'POST', headers: authHeaders(c) });
    expect([noBody.status, noBody.json]).toEqual([
      422,
      { detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] },
    ]);
    const noOutcome = await postJson(url, { summary: 's' }, authHeaders(c));
    expect(noOutcome.json).toEqual({
      detail: [{ type: 'missing', loc: ['body', 'outcome'], msg: 'Field required', input: { summary: 's' } }],
    });
  });

  it('a session_end event completes the session', async () => {
    const c = srv.s.admin.registerCollector();
    const session = sid('end');
    await postJson(
      `${srv.s.url}/collectors/events`,
      {
        session_id: session,
        events: [
          SESSION_START,
          {
            type: 'session_end',
            emitted_at: '2026-02-24T10:09:00Z',
            observed_at: '2026-02-24T10:09:00Z',
            data: { outcome: 'failed' },
          },
        ],
      },
      authHeaders(c),
    );
    const st = await call(`${srv.s.url}/collectors/sessions/${session}`, { headers: authHeaders(c) });
    expect(st.json).toMatchObject({ status: 'completed', event_count: 0, last_sequence: 2 });
    expect(srv.s.admin.conversation(session)?.success).toBe(false);
  });
});
