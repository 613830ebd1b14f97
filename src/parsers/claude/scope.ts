/**
 * What every message built from one record shares: its session, thread, timestamp and identity scheme.
 */
import type { AuthorRole, MessageType, ParsedMessage } from '../types.js';
import type { SessionRef } from './session.js';
import { type Obj, safeJson, shortHash, str, timestampOf } from './util.js';

export interface Scope {
  rec: Obj;
  ref: SessionRef;
  emittedAt: string | null;
  uuid: string | null;
  /** Lazily computed identity base for records without a uuid (hashing a 1 MB line only when needed). */
  fallbackBase?: string;
}

export function makeScope(rec: Obj, ref: SessionRef): Scope {
  return { rec, ref, emittedAt: timestampOf(rec), uuid: str(rec.uuid) };
}

/**
 * Identity base of a record without a uuid. It is built from content rather than file position so that the
 * same line copied into another file (resume, snapshot) still dedupes to one message.
 */
export function fallbackBase(scope: Scope): string {
  if (scope.fallbackBase === undefined) {
    const ts = scope.emittedAt ?? 'no-time';
    scope.fallbackBase = `nouuid:${scope.ref.sessionKey}:${ts}:${shortHash(safeJson(scope.rec))}`;
  }
  return scope.fallbackBase;
}

/**
 * `claude:<uuid>@<timestamp>:<blockIndex>`; the block index keeps several messages of one record distinct.
 * A record copied into another session file by resume/continue keeps its uuid *and* its timestamp, so the
 * copy dedupes to one message; hand-written logs reuse uuids (`a1`, `11111111-0000-…`) for unrelated
 * records in other files, and the timestamp keeps those apart. A record without a uuid falls back to a
 * content hash within its session.
 */
export function identity(scope: Scope, blockIndex: number): string {
  const base = scope.uuid !== null ? `${scope.uuid}@${scope.emittedAt ?? 'no-time'}` : fallbackBase(scope);
  return `claude:${base}:${blockIndex}`;
}

export function message(
  scope: Scope,
  blockIndex: number,
  messageType: MessageType,
  authorRole: AuthorRole,
  content: string | null,
): ParsedMessage {
  return {
    identity: identity(scope, blockIndex),
    sessionKey: scope.ref.sessionKey,
    threadKey: scope.ref.threadKey,
    messageType,
    authorRole,
    emittedAt: scope.emittedAt,
    content,
  };
}
