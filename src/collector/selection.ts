/**
 * Which sessions are published at all (docs/CONFIG.md `include_projects`, `exclude_projects`,
 * `backfill_since`). A session that is not selected is never published, not even its `session_start`; it
 * stays in the local database, and `collector sessions` / `status` show it as excluded with the reason.
 *
 * - `exclude_projects` wins over `include_projects`; both are globs on the session's working directory
 *   (glob.ts), and a pattern covers the folders below what it matches.
 * - A session without a working directory is published unless `include_projects` is set: without a folder
 *   it cannot be shown to be inside one of the included projects.
 * - `backfill_since`: a session whose last activity is before it is not published. A session that is
 *   resumed after that instant becomes active history again and is published whole, from its first event,
 *   so the server never holds a conversation without its beginning.
 */
import type { CollectorConfig } from '../config/index.js';
import type { Db } from '../store/index.js';
import { globMatcher } from './glob.js';

export type Verdict = { publish: true } | { publish: false; reason: string };

export interface SessionFacts {
  cwd: string | null;
  startedAt: string | null;
  lastActivityAt: string | null;
}

type SelectionConfig = Pick<CollectorConfig, 'includeProjects' | 'excludeProjects' | 'backfillSince'>;

/** The pure rule, compiled once per configuration. */
export function sessionRule(config: SelectionConfig): (s: SessionFacts) => Verdict {
  const excluded = globMatcher(config.excludeProjects);
  const included = globMatcher(config.includeProjects);
  const hasInclude = config.includeProjects.length > 0;
  const since = config.backfillSince ? Date.parse(config.backfillSince) : null;
  return (s) => {
    const cwd = s.cwd ? (s.cwd.length > 1 ? s.cwd.replace(/\/+$/, '') : s.cwd) : null;
    if (cwd !== null) {
      const glob = excluded(cwd);
      if (glob !== null) return { publish: false, reason: `exclude_projects: ${glob}` };
    }
    if (hasInclude) {
      if (cwd === null) return { publish: false, reason: 'no working directory (include_projects is set)' };
      if (included(cwd) === null) return { publish: false, reason: 'not in include_projects' };
    }
    if (since !== null) {
      const last = s.lastActivityAt ?? s.startedAt;
      const ms = last ? Date.parse(last) : Number.NaN;
      if (!Number.isNaN(ms) && ms < since)
        return { publish: false, reason: `backfill_since: last activity ${last} is older` };
    }
    return { publish: true };
  };
}

/** True when the configuration can exclude anything (so callers can skip the lookups). */
export function selectionActive(config: SelectionConfig): boolean {
  return (
    config.includeProjects.length > 0 || config.excludeProjects.length > 0 || config.backfillSince !== null
  );
}

/** The rule applied to sessions in the database. */
export class SessionSelector {
  private readonly rule: (s: SessionFacts) => Verdict;
  private readonly active: boolean;
  private readonly facts;
  private readonly all;

  constructor(db: Db, config: SelectionConfig) {
    this.rule = sessionRule(config);
    this.active = selectionActive(config);
    this.facts = db.prepare(
      'SELECT cwd, started_at AS startedAt, last_activity_at AS lastActivityAt FROM sessions WHERE id = ?',
    );
    this.all = db.prepare(
      'SELECT id, cwd, started_at AS startedAt, last_activity_at AS lastActivityAt FROM sessions',
    );
  }

  verdict(sessionId: string): Verdict {
    if (!this.active) return { publish: true };
    const f = this.facts.get(sessionId) as SessionFacts | undefined;
    return f ? this.rule(f) : { publish: true };
  }

  publishes(sessionId: string): boolean {
    return this.verdict(sessionId).publish;
  }

  /** Every session the configuration keeps from the server, with the reason. */
  excluded(): Map<string, string> {
    const out = new Map<string, string>();
    if (!this.active) return out;
    for (const r of this.all.all() as (SessionFacts & { id: string })[]) {
      const v = this.rule(r);
      if (!v.publish) out.set(r.id, v.reason);
    }
    return out;
  }
}
