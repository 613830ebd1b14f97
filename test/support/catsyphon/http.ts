/** node:http plumbing with FastAPI/Starlette/uvicorn's observable behaviour (body decoding, path decoding, JSON). */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { dumpsCompact, PyJsonError, PyNanError, parsePyJson } from './pyjson.js';
import type { BodyInput, ValidationErrorItem } from './validate.js';

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** uvicorn's `unquote` of the raw path: %XX decoded as UTF-8 bytes, invalid sequences replaced. */
export function decodePath(raw: string): string {
  if (!raw.includes('%')) return raw;
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '%' && /^[0-9a-fA-F]{2}$/.test(raw.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** FastAPI's JSON detection: `application/json` or `application/*+json` (parameters ignored). */
export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const main = (value.split(';')[0] ?? '').trim().toLowerCase();
  const [type, subtype] = main.split('/');
  if (type !== 'application' || !subtype) return false;
  return subtype === 'json' || subtype.endsWith('+json');
}

export type BodyDecode =
  | { ok: true; input: BodyInput }
  | { ok: false; status: 422; errors: ValidationErrorItem[] }
  | { ok: false; status: 400; detail: string };

/** What FastAPI does with a body before validation: empty → missing, non-JSON type → bytes, else json.loads. */
export function decodeBody(contentType: string | undefined, buf: Buffer): BodyDecode {
  if (buf.length === 0) return { ok: true, input: { kind: 'missing' } };
  if (!isJsonContentType(contentType))
    return { ok: true, input: { kind: 'bytes', text: buf.toString('utf8') } };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf);
  } catch {
    return { ok: false, status: 400, detail: 'There was an error parsing the body' };
  }
  try {
    return { ok: true, input: { kind: 'json', value: parsePyJson(text) } };
  } catch (e) {
    if (!(e instanceof PyJsonError)) throw e;
    return {
      ok: false,
      status: 422,
      errors: [
        {
          type: 'json_invalid',
          loc: ['body', e.pos],
          msg: 'JSON decode error',
          input: {},
          ctx: { error: e.msg },
        },
      ],
    };
  }
}

/** A response to write (handlers build replies so a fault can decide not to send them). */
export interface Reply {
  status: number;
  body: string | Buffer;
  contentType: string | null;
  headers?: Record<string, string>;
}

export function writeReply(res: ServerResponse, reply: Reply): void {
  const buf = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body;
  const h: Record<string, string | number> = { 'content-length': buf.length, ...(reply.headers ?? {}) };
  if (reply.contentType) h['content-type'] = reply.contentType;
  res.writeHead(reply.status, h);
  res.end(buf);
}

export function textReply(status: number, text: string, headers?: Record<string, string>): Reply {
  return { status, body: text, contentType: 'text/plain; charset=utf-8', ...(headers ? { headers } : {}) };
}

/** Starlette's JSONResponse; where Python's json.dumps would raise, uvicorn answers a plain 500. */
export function jsonReply(status: number, value: unknown, headers?: Record<string, string>): Reply {
  let text: string;
  try {
    text = dumpsCompact(value);
  } catch (e) {
    if (!(e instanceof PyNanError)) throw e;
    return textReply(500, 'Internal Server Error');
  }
  return { status, body: text, contentType: 'application/json', ...(headers ? { headers } : {}) };
}

export function detailReply(status: number, detail: unknown): Reply {
  return jsonReply(status, { detail });
}

export function validationReply(errors: ValidationErrorItem[]): Reply {
  return jsonReply(422, { detail: errors });
}

export const NGINX_413 =
  '<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n' +
  '<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx/1.27.4</center>\r\n</body>\r\n</html>\r\n';

export const INDEX_HTML =
  '<!doctype html>\n<html lang="en">\n  <head>\n    <meta charset="UTF-8" />\n' +
  '    <link rel="icon" type="image/svg+xml" href="/vite.svg" />\n' +
  '    <meta name="viewport" content="width=device-width, initial-scale=1.0" />\n' +
  '    <title>CatSyphon</title>\n    <script type="module" crossorigin src="/assets/index.js"></script>\n' +
  '  </head>\n  <body>\n    <div id="root"></div>\n  </body>\n</html>\n';
