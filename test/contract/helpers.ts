/** Shared set-up for the conformance suite: an in-process server and literal HTTP calls with global fetch. */

import { afterAll, beforeAll } from 'vitest';
import {
  type Credentials,
  type RunningCatsyphonServer,
  type ServerOptions,
  startCatsyphonServer,
} from '../support/catsyphon/index.js';

export interface Res {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

export async function call(
  url: string,
  init: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    signal?: AbortSignal;
  } = {},
): Promise<Res> {
  const r = await fetch(url, { redirect: 'manual', ...init } as RequestInit);
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, text, json };
}

/** Starts a fresh server for the file (beforeAll) and closes it (afterAll). */
export function useServer(opts: ServerOptions = {}): { readonly s: RunningCatsyphonServer } {
  const holder: { s?: RunningCatsyphonServer } = {};
  beforeAll(async () => {
    holder.s = await startCatsyphonServer({ host: '127.0.0.1', port: 0, ...opts });
  });
  afterAll(async () => {
    await holder.s?.close();
  });
  return {
    get s() {
      if (!holder.s) throw new Error('server not started');
      return holder.s;
    },
  };
}

export function authHeaders(c: Pick<Credentials, 'collectorId' | 'apiKey'>): Record<string, string> {
  return { authorization: `Bearer ${c.apiKey}`, 'x-collector-id': c.collectorId };
}

export const JSON_CT = { 'content-type': 'application/json' };

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Res> {
  return call(url, { method: 'POST', headers: { ...JSON_CT, ...headers }, body: JSON.stringify(body) });
}

let counter = 0;

/** A session id unique within the test run. */
export function sid(label = 's'): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}`;
}

export const SESSION_START = {
  type: 'session_start',
  emitted_at: '2026-02-24T10:00:00Z',
  observed_at: '2026-02-24T10:00:01Z',
  data: {
    agent_type: 'claude-code',
    agent_version: '1.0.45',
    working_directory: '/home/dev/project',
    git_branch: 'main',
  },
};

export const MESSAGE = {
  type: 'message',
  emitted_at: '2026-02-24T10:00:02Z',
  observed_at: '2026-02-24T10:00:03Z',
  event_hash: '13c9fc4b072646f73c7273a29d0ab99a',
  data: { author_role: 'human', message_type: 'prompt', content: 'Implement auth' },
};

/** A message event with a unique client hash. */
export function msg(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'message',
    emitted_at: `2026-02-24T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`,
    observed_at: '2026-02-24T11:00:00Z',
    event_hash: `h${String(i).padStart(31, '0')}`,
    data: { author_role: 'assistant', message_type: 'response', content: `m${i}` },
    ...extra,
  };
}
