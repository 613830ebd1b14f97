/**
 * Fresh ids for copies of real records, so every copy is a distinct session with distinct message identities.
 *
 * The rewrite works on the raw text of a line (decoded as latin1, so every byte round-trips unchanged) and
 * replaces each id-shaped token: UUIDs (`uuid`, `parentUuid`, `sessionId`, `leafUuid`, `promptId`, Codex
 * `session_meta.id`, turn ids, and the session folder names in paths) and prefixed API ids (`msg_…` message ids,
 * `req_…` request ids, `toolu_…`/`call_…` tool ids). One rewriter maps the same old id to the same new id
 * everywhere, so the links between records (parent chains, the records of one split assistant message sharing
 * `message.id`, tool results naming their call) survive inside a copy. Everything else keeps its real bytes.
 */
import { randomInt } from 'node:crypto';

const UUID_RE = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/g;
const PREFIXED_RE = /\b(msg|req|toolu|srvtoolu|call|resp|rs|fc)_([0-9A-Za-z]{6,})/g;
export const UUID_ONLY = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Each rewriter gets its own 8-hex-digit tag; the run base keeps two bench runs apart as well. */
const RUN_BASE = randomInt(0x7fffffff);
let nextTag = 0;

export class IdRewriter {
  readonly tag: string;

  /** `overrides` pins chosen UUIDs (e.g. every source `sessionId` → one session) instead of tagging them. */
  constructor(private readonly overrides: ReadonlyMap<string, string> = new Map()) {
    this.tag = ((RUN_BASE + nextTag++) >>> 0).toString(16).padStart(8, '0');
  }

  /** The new UUID for `uuid`: the tag replaces its first 8 hex digits (same length, same shape). */
  uuid(uuid: string): string {
    return this.overrides.get(uuid) ?? this.tag + uuid.slice(8);
  }

  /** Rewrites every id in `text` (a line, a whole file or a relative path). */
  text(text: string): string {
    return text
      .replace(UUID_RE, (u) => this.uuid(u))
      .replace(PREFIXED_RE, (_m, prefix: string, rest: string) =>
        rest.length >= 12 ? `${prefix}_${this.tag}${rest.slice(8)}` : `${prefix}_${this.tag}${rest}`,
      );
  }
}

/** A stable UUID-shaped name derived from any string (for files whose name carries no id). */
export function uuidFrom(hex32: string): string {
  const h = hex32.padEnd(32, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
