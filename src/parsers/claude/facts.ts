/**
 * Session facts a record carries. Only present values are reported: an absent field means "unknown", and
 * must never clear what an earlier record said.
 */
import type { SessionInfo } from '../types.js';
import type { Scope } from './scope.js';
import { str } from './util.js';

export interface ExtraFacts {
  model?: string | null;
  title?: string | null;
}

export function sessionFacts(scope: Scope, extra: ExtraFacts): SessionInfo[] {
  const rec = scope.rec;
  const info: SessionInfo = { sessionKey: scope.ref.sessionKey, assistant: 'claude' };
  let facts = 0;
  const set = <K extends keyof SessionInfo>(key: K, value: SessionInfo[K] | null | undefined): void => {
    if (value === null || value === undefined) return;
    info[key] = value;
    facts++;
  };
  set('cwd', str(rec.cwd));
  // `""` means "not in a git repository": no branch to report.
  set('gitBranch', str(rec.gitBranch));
  set('assistantVersion', str(rec.version));
  set('slug', str(rec.slug));
  set('timestamp', scope.emittedAt);
  set('model', extra.model);
  set('title', extra.title);
  set('parentSessionKey', scope.ref.parentSessionKey);
  return facts > 0 ? [info] : [];
}
