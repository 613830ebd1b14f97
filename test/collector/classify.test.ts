import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyCompleteResponse,
  classifyEventsResponse,
  classifyStatusResponse,
  type ResponseView,
} from '../../src/collector/classify.js';
import type { EventsOutcome } from '../../src/collector/outcome.js';
import { MAX_DETAIL_CHARS } from '../../src/collector/response-body.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const JSON_TYPE = 'application/json';

function view(
  status: number,
  body: unknown,
  opts: { contentType?: string | null; headers?: Record<string, string>; truncated?: boolean } = {},
): ResponseView {
  const bodyText = typeof body === 'string' ? body : JSON.stringify(body);
  const contentType = opts.contentType === undefined ? JSON_TYPE : opts.contentType;
  const headers = new Headers(opts.headers ?? {});
  if (contentType !== null) headers.set('content-type', contentType);
  return { status, headers, bodyText, contentType, truncated: opts.truncated ?? false };
}

const INDEX_HTML =
  '<!doctype html>\n<html lang="en"><head><title>CatSyphon</title></head><body><div id="root"></div></body></html>';

/** Contract §4: both headers missing. */
const MISSING_HEADERS = {
  detail: [
    { type: 'missing', loc: ['header', 'authorization'], msg: 'Field required', input: null },
    { type: 'missing', loc: ['header', 'x-collector-id'], msg: 'Field required', input: null },
  ],
};

/** Contract §5: the per-type model validator's 422. */
function valueError422(index: number, msg: string) {
  return {
    detail: [
      {
        type: 'value_error',
        loc: ['body', 'events', index],
        msg: `Value error, ${msg}`,
        input: { type: 'message', data: { content: 'secret transcript text' } },
        ctx: { error: {} },
      },
    ],
  };
}

type Row = [
  name: string,
  r: ResponseView,
  batchLength: number,
  want: Partial<EventsOutcome> & { kind: string },
];

describe('classifyEventsResponse: DESIGN §3.5 and contract §4–§5, §12', () => {
  const rows: Row[] = [
    // 202
    [
      '202 contract body',
      view(202, {
        accepted: 2,
        last_sequence: 8,
        conversation_id: '0f9d627b-ee82-4b2d-8716-13ee79474d11',
        warnings: [],
      }),
      2,
      { kind: 'accepted', accepted: 2, lastSequence: 8 },
    ],
    [
      '202 all duplicates',
      view(202, { accepted: 0, last_sequence: 8 }),
      5,
      { kind: 'accepted', accepted: 0 },
    ],
    ['202 legacy body (same fields)', view(202, { accepted: 1, last_sequence: 1 }), 1, { kind: 'accepted' }],
    [
      '202 accepted > batch',
      view(202, { accepted: 3, last_sequence: 8 }),
      2,
      { kind: 'protocol', status: 202 },
    ],
    ['202 accepted negative', view(202, { accepted: -1, last_sequence: 8 }), 2, { kind: 'protocol' }],
    ['202 accepted fraction', view(202, { accepted: 1.5, last_sequence: 8 }), 2, { kind: 'protocol' }],
    ['202 accepted as string', view(202, { accepted: '2', last_sequence: 8 }), 2, { kind: 'protocol' }],
    ['202 without last_sequence', view(202, { accepted: 2 }), 2, { kind: 'protocol' }],
    ['202 last_sequence null', view(202, { accepted: 2, last_sequence: null }), 2, { kind: 'protocol' }],
    ['202 array body', view(202, [{ accepted: 2, last_sequence: 8 }]), 2, { kind: 'protocol' }],
    ['202 empty body', view(202, '', { contentType: null }), 2, { kind: 'protocol' }],
    ['202 index.html', view(202, INDEX_HTML, { contentType: 'text/html' }), 2, { kind: 'protocol' }],
    [
      '202 cut off at the size limit',
      view(202, '{"accepted": 2, "last_sequence": 8', { truncated: true }),
      2,
      { kind: 'protocol' },
    ],
    // other 2xx
    [
      '200 index.html (web UI)',
      view(200, INDEX_HTML, { contentType: 'text/html' }),
      2,
      { kind: 'protocol', status: 200 },
    ],
    [
      '200 with the right JSON',
      view(200, { accepted: 2, last_sequence: 8 }),
      2,
      { kind: 'protocol', status: 200 },
    ],
    ['201', view(201, { accepted: 2, last_sequence: 8 }), 2, { kind: 'protocol' }],
    ['204 no content', view(204, '', { contentType: null }), 2, { kind: 'protocol', status: 204 }],
    // 3xx
    [
      '301',
      view(301, '', { headers: { location: 'https://other.example/collectors/events' } }),
      1,
      { kind: 'redirect', status: 301, location: 'https://other.example/collectors/events' },
    ],
    ['302', view(302, '', { headers: { location: '/login' } }), 1, { kind: 'redirect', location: '/login' }],
    [
      '307',
      view(307, '', { headers: { location: 'http://127.0.0.2/x' } }),
      1,
      { kind: 'redirect', status: 307 },
    ],
    ['308', view(308, '', { headers: { location: 'https://h/api' } }), 1, { kind: 'redirect', status: 308 }],
    ['304 without Location', view(304, ''), 1, { kind: 'redirect', location: null }],
    // §4 auth
    [
      '400 Invalid collector ID format',
      view(400, { detail: 'Invalid collector ID format' }),
      1,
      { kind: 'paused', reason: 'invalid-collector-id', status: 400, detail: 'Invalid collector ID format' },
    ],
    [
      '401 Invalid authorization header format',
      view(401, { detail: 'Invalid authorization header format' }),
      1,
      { kind: 'paused', reason: 'unauthorized', detail: 'Invalid authorization header format' },
    ],
    [
      '401 Collector not found',
      view(401, { detail: 'Collector not found' }),
      1,
      { kind: 'paused', reason: 'unauthorized', detail: 'Collector not found' },
    ],
    [
      '401 Collector has no API key configured',
      view(401, { detail: 'Collector has no API key configured' }),
      1,
      { kind: 'paused', reason: 'unauthorized' },
    ],
    [
      '401 Invalid API key',
      view(401, { detail: 'Invalid API key' }),
      1,
      { kind: 'paused', reason: 'unauthorized', detail: 'Invalid API key' },
    ],
    [
      '401 from a proxy (html)',
      view(401, '<h1>401</h1>', { contentType: 'text/html' }),
      1,
      { kind: 'paused' },
    ],
    [
      '403 Collector is disabled',
      view(403, { detail: 'Collector is disabled' }),
      1,
      { kind: 'paused', reason: 'collector-disabled', detail: 'Collector is disabled' },
    ],
    [
      '403 from a proxy',
      view(403, '<html>Forbidden</html>', { contentType: 'text/html' }),
      1,
      { kind: 'paused', reason: 'forbidden' },
    ],
    [
      '404 route miss',
      view(404, { detail: 'Not Found' }),
      1,
      { kind: 'paused', reason: 'endpoint-missing', status: 404, detail: 'Not Found' },
    ],
    [
      '405 Method Not Allowed',
      view(405, { detail: 'Method Not Allowed' }),
      1,
      { kind: 'paused', reason: 'endpoint-missing', status: 405 },
    ],
    [
      '422 headers missing',
      view(422, MISSING_HEADERS),
      1,
      { kind: 'paused', reason: 'header-invalid', status: 422 },
    ],
    [
      '422 header plus body errors (headers win)',
      view(422, { detail: [...MISSING_HEADERS.detail, ...valueError422(0, 'x').detail] }),
      1,
      { kind: 'paused', reason: 'header-invalid' },
    ],
    // §5 422 on events
    [
      '422 message without author_role',
      view(422, valueError422(1, 'message events require author_role in data')),
      3,
      {
        kind: 'rejectEvents',
        indices: [1],
        reasons: ['event: Value error, message events require author_role in data'],
      },
    ],
    [
      '422 several events, several items, out of order',
      view(422, {
        detail: [
          {
            type: 'int_from_float',
            loc: ['body', 'events', 4, 'data', 'token_usage', 'input_tokens'],
            msg: 'bad',
          },
          ...valueError422(2, 'tool_call events require tool_name in data').detail,
          { type: 'string_too_long', loc: ['body', 'events', 4, 'event_hash'], msg: 'too long' },
        ],
      }),
      5,
      {
        kind: 'rejectEvents',
        indices: [2, 4],
        reasons: [
          'event: Value error, tool_call events require tool_name in data',
          'data.token_usage.input_tokens: bad; event_hash: too long',
        ],
      },
    ],
    [
      '422 too_short (0 events)',
      view(422, {
        detail: [{ type: 'too_short', loc: ['body', 'events'], msg: 'List should have at least 1 item' }],
      }),
      0,
      { kind: 'clientBug', status: 422 },
    ],
    [
      '422 too_long (51 events)',
      view(422, {
        detail: [{ type: 'too_long', loc: ['body', 'events'], msg: 'List should have at most 50 items' }],
      }),
      51,
      { kind: 'clientBug' },
    ],
    [
      '422 session_id missing',
      view(422, { detail: [{ type: 'missing', loc: ['body', 'session_id'], msg: 'Field required' }] }),
      1,
      { kind: 'clientBug' },
    ],
    [
      '422 model_attributes_type (no JSON content type)',
      view(422, {
        detail: [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary' }],
      }),
      1,
      { kind: 'clientBug' },
    ],
    [
      '422 mixed event and envelope errors: never reject on that basis',
      view(422, {
        detail: [
          ...valueError422(0, 'x').detail,
          { type: 'missing', loc: ['body', 'session_id'], msg: 'Field required' },
        ],
      }),
      2,
      { kind: 'clientBug' },
    ],
    ['422 index out of range', view(422, valueError422(7, 'x')), 3, { kind: 'clientBug' }],
    [
      '422 index as string',
      view(422, { detail: [{ loc: ['body', 'events', '0'], msg: 'x' }] }),
      3,
      { kind: 'clientBug' },
    ],
    ['422 not JSON', view(422, 'Unprocessable', { contentType: 'text/plain' }), 1, { kind: 'clientBug' }],
    ['422 string detail', view(422, { detail: 'nope' }), 1, { kind: 'clientBug' }],
    // 500
    [
      "500 'user' is not a valid AuthorRole",
      view(500, { detail: "'user' is not a valid AuthorRole" }),
      4,
      { kind: 'valueError', detail: "'user' is not a valid AuthorRole" },
    ],
    [
      '500 value too long (leaks SQL)',
      view(500, {
        detail:
          '(psycopg2.errors.StringDataRightTruncation) value too long for type character varying(50)\n[SQL: INSERT INTO ...]',
      }),
      4,
      { kind: 'valueError' },
    ],
    [
      '500 text/plain Internal Server Error',
      view(500, 'Internal Server Error', { contentType: 'text/plain; charset=utf-8' }),
      1,
      { kind: 'transient', reason: 'server', status: 500, detail: 'Internal Server Error' },
    ],
    [
      '500 text/plain that mentions a value error is still transient',
      view(500, 'value too long', { contentType: 'text/plain' }),
      1,
      { kind: 'transient' },
    ],
    [
      '500 JSON other ingestion failure',
      view(500, { detail: 'deadlock detected' }),
      1,
      { kind: 'transient', reason: 'server', detail: 'deadlock detected' },
    ],
    [
      '502',
      view(502, '<html>Bad Gateway</html>', { contentType: 'text/html' }),
      1,
      { kind: 'transient', status: 502 },
    ],
    [
      '503 with Retry-After',
      view(503, '', { headers: { 'retry-after': '120' } }),
      1,
      { kind: 'transient', status: 503, retryAfterMs: 120_000 },
    ],
    ['504', view(504, ''), 1, { kind: 'transient', status: 504 }],
    ['408', view(408, ''), 1, { kind: 'transient', reason: 'timeout', status: 408 }],
    // 413, 429
    [
      '413',
      view(413, '<html>413 Request Entity Too Large</html>', { contentType: 'text/html' }),
      3,
      { kind: 'tooLarge' },
    ],
    [
      '429 Retry-After seconds',
      view(429, '', { headers: { 'retry-after': '5' } }),
      1,
      { kind: 'throttled', delayMs: 5000 },
    ],
    [
      '429 Retry-After HTTP-date',
      view(429, '', { headers: { 'retry-after': 'Sun, 01 Mar 2026 12:00:42 GMT' } }),
      1,
      { kind: 'throttled', delayMs: 42_000 },
    ],
    [
      '429 Retry-After capped',
      view(429, '', { headers: { 'retry-after': '86400' } }),
      1,
      { kind: 'throttled', delayMs: 900_000 },
    ],
    ['429 without Retry-After', view(429, ''), 1, { kind: 'throttled', delayMs: 30_000 }],
    [
      '429 garbage Retry-After',
      view(429, '', { headers: { 'retry-after': 'later' } }),
      1,
      { kind: 'throttled', delayMs: 30_000 },
    ],
    // §12 legacy 409
    [
      '409 legacy sequence_gap',
      view(409, {
        detail: {
          error: 'sequence_gap',
          message: 'Expected sequence 3, got 5',
          last_received_sequence: 2,
          expected_sequence: 3,
        },
      }),
      2,
      { kind: 'sequenceGap', lastReceived: 2, expected: 3, detail: 'Expected sequence 3, got 5' },
    ],
    [
      '409 unwrapped (old design doc)',
      view(409, { error: 'sequence_gap', message: 'gap', last_received_sequence: 0, expected_sequence: 1 }),
      2,
      { kind: 'sequenceGap', lastReceived: 0, expected: 1 },
    ],
    ['409 without the legacy body', view(409, { detail: 'Conflict' }), 2, { kind: 'protocol', status: 409 }],
    ['409 empty', view(409, ''), 2, { kind: 'protocol' }],
    // unlisted
    [
      '400 from nginx',
      view(400, '<html>400 Bad Request</html>', { contentType: 'text/html' }),
      1,
      { kind: 'protocol' },
    ],
    ['410', view(410, { detail: 'Gone' }), 1, { kind: 'protocol', status: 410 }],
    ['415', view(415, ''), 1, { kind: 'protocol' }],
    ['418', view(418, ''), 1, { kind: 'protocol' }],
    ['600', view(600, ''), 1, { kind: 'protocol' }],
  ];

  it.each(rows)('%s', (_name, r, batchLength, want) => {
    expect(classifyEventsResponse(r, batchLength, NOW)).toMatchObject(want);
  });

  it('a protocol detail explains what was expected and suggests checking server_url', () => {
    const o = classifyEventsResponse(view(200, INDEX_HTML, { contentType: 'text/html' }), 2, NOW);
    expect(o.kind).toBe('protocol');
    if (o.kind !== 'protocol') return;
    expect(o.detail).toContain('expected 202');
    expect(o.detail).toContain('200 (text/html)');
    expect(o.detail).toContain('<!doctype html>');
    expect(o.detail).toContain('server_url');
  });

  it('422 details never copy the offending input (transcript text)', () => {
    const o = classifyEventsResponse(view(422, valueError422(0, 'x')), 1, NOW);
    expect(JSON.stringify(o)).not.toContain('secret transcript text');
  });

  it('details are one line and bounded', () => {
    const big = `${'x'.repeat(10_000)}\n${'y'.repeat(10_000)}`;
    for (const o of [
      classifyEventsResponse(view(500, big, { contentType: 'text/plain' }), 1, NOW),
      classifyEventsResponse(view(500, { detail: `value too long ${big}` }), 1, NOW),
      classifyEventsResponse(view(401, { detail: big }), 1, NOW),
      classifyEventsResponse(
        view(307, '', { headers: { location: `https://h/${big.replace('\n', '')}` } }),
        1,
        NOW,
      ),
    ]) {
      const text = 'detail' in o ? o.detail : o.kind === 'redirect' ? (o.location ?? '') : '';
      expect(text.length).toBeLessThanOrEqual(MAX_DETAIL_CHARS + 20);
      expect(text).not.toContain('\n');
    }
  });

  it('a truncated error body keeps its status meaning with a marked detail', () => {
    const o = classifyEventsResponse(
      view(500, 'Internal Server Error', { contentType: 'text/plain', truncated: true }),
      1,
      NOW,
    );
    expect(o).toMatchObject({ kind: 'transient', status: 500 });
    if (o.kind === 'transient') expect(o.detail).toContain('[truncated]');
  });

  it('never throws and only returns known kinds, whatever the answer (property)', () => {
    const kinds = new Set([
      'accepted',
      'protocol',
      'redirect',
      'paused',
      'rejectEvents',
      'clientBug',
      'valueError',
      'transient',
      'tooLarge',
      'throttled',
      'sequenceGap',
    ]);
    const body = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ accepted: fc.integer(), last_sequence: fc.integer() }).map((o) => JSON.stringify(o)),
      fc
        .array(fc.record({ loc: fc.array(fc.oneof(fc.string(), fc.integer())), msg: fc.string() }))
        .map((d) => JSON.stringify({ detail: d })),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 699 }),
        body,
        fc.constantFrom(null, JSON_TYPE, 'text/plain', 'text/html'),
        fc.option(fc.string(), { nil: undefined }),
        fc.integer({ min: 0, max: 50 }),
        fc.boolean(),
        (status, bodyText, contentType, retryAfter, n, truncated) => {
          const headers: Record<string, string> =
            retryAfter === undefined ? {} : { 'retry-after': retryAfter.replace(/[\r\n\0]/g, '') };
          const o = classifyEventsResponse(
            view(status, bodyText, { contentType, headers, truncated }),
            n,
            NOW,
          );
          expect(kinds.has(o.kind)).toBe(true);
          if (o.kind === 'accepted') {
            expect(status).toBe(202);
            expect(o.accepted).toBeLessThanOrEqual(n);
          }
          if (o.kind === 'rejectEvents') {
            expect(o.indices.every((i) => i >= 0 && i < n)).toBe(true);
            expect(o.indices).toEqual([...new Set(o.indices)].sort((a, b) => a - b));
          }
          if (o.kind === 'throttled') expect(o.delayMs).toBeLessThanOrEqual(900_000);
        },
      ),
    );
  });
});

const STATUS_BODY = {
  session_id: 'research-session-001',
  conversation_id: '0f9d627b-ee82-4b2d-8716-13ee79474d11',
  last_sequence: 8,
  event_count: 6,
  first_event_at: '2026-02-24T10:00:00Z',
  last_event_at: '2026-11-27T10:23:41.178031Z',
  status: 'active',
};

describe('classifyStatusResponse (contract §9)', () => {
  it.each<[string, ResponseView, Record<string, unknown>]>([
    ['200 contract body', view(200, STATUS_BODY), { kind: 'status', session: STATUS_BODY, lastSequence: 8 }],
    ['200 with null times', view(200, { ...STATUS_BODY, first_event_at: null }), { kind: 'status' }],
    [
      '200 without last_sequence',
      view(200, { ...STATUS_BODY, last_sequence: undefined }),
      { kind: 'protocol' },
    ],
    [
      '200 index.html',
      view(200, INDEX_HTML, { contentType: 'text/html' }),
      { kind: 'protocol', status: 200 },
    ],
    ['204', view(204, ''), { kind: 'protocol' }],
    [
      '404 No events received',
      view(404, { detail: 'No events received for session research-session-001' }),
      { kind: 'notFound', detail: 'No events received for session research-session-001' },
    ],
    ['404 legacy body', view(404, { error: 'session_not_found', message: 'x' }), { kind: 'notFound' }],
    ['404 route miss', view(404, { detail: 'Not Found' }), { kind: 'protocol', status: 404 }],
    [
      '403 different collector',
      view(403, { detail: 'Session belongs to a different collector' }),
      { kind: 'foreignSession', detail: 'Session belongs to a different collector' },
    ],
    [
      '403 disabled',
      view(403, { detail: 'Collector is disabled' }),
      { kind: 'paused', reason: 'collector-disabled' },
    ],
    ['401', view(401, { detail: 'Invalid API key' }), { kind: 'paused', reason: 'unauthorized' }],
    [
      '400',
      view(400, { detail: 'Invalid collector ID format' }),
      { kind: 'paused', reason: 'invalid-collector-id' },
    ],
    ['422 headers', view(422, MISSING_HEADERS), { kind: 'paused', reason: 'header-invalid' }],
    ['422 other', view(422, { detail: [{ loc: ['path', 'session_id'], msg: 'x' }] }), { kind: 'clientBug' }],
    [
      '307',
      view(307, '', { headers: { location: 'https://x' } }),
      { kind: 'redirect', location: 'https://x' },
    ],
    ['429', view(429, '', { headers: { 'retry-after': '3' } }), { kind: 'throttled', delayMs: 3000 }],
    [
      '500 text/plain',
      view(500, 'Internal Server Error', { contentType: 'text/plain' }),
      { kind: 'transient' },
    ],
    ['405', view(405, { detail: 'Method Not Allowed' }), { kind: 'protocol' }],
  ])('%s', (_name, r, want) => {
    expect(classifyStatusResponse(r, NOW)).toMatchObject(want);
  });
});

describe('classifyCompleteResponse (contract §10)', () => {
  const done = {
    session_id: 'research-session-001',
    conversation_id: '0f9d627b-ee82-4b2d-8716-13ee79474d11',
    status: 'completed',
    total_events: 6,
  };
  it.each<[string, ResponseView, Record<string, unknown>]>([
    ['200 contract body', view(200, done), { kind: 'completed', result: done }],
    ['200 without total_events', view(200, { ...done, total_events: undefined }), { kind: 'protocol' }],
    ['202', view(202, done), { kind: 'protocol' }],
    ['404', view(404, { detail: 'No events received for session x' }), { kind: 'notFound' }],
    [
      '403 foreign',
      view(403, { detail: 'Session belongs to a different collector' }),
      { kind: 'foreignSession' },
    ],
    [
      '422 missing body',
      view(422, { detail: [{ type: 'missing', loc: ['body'], msg: 'Field required' }] }),
      { kind: 'clientBug' },
    ],
    ['401', view(401, { detail: 'Collector not found' }), { kind: 'paused', reason: 'unauthorized' }],
    ['503', view(503, ''), { kind: 'transient', status: 503 }],
  ])('%s', (_name, r, want) => {
    expect(classifyCompleteResponse(r, NOW)).toMatchObject(want);
  });
});
