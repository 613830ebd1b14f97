/**
 * What the publisher's parts share: the durable tracker, the client, the clock, per-session memory, and the
 * publisher-wide facts outcome handling reads (did other requests succeed, is the server down). Every request
 * to the server goes through here, so it is counted and its verdict kept for `collector status`.
 */
import type { CollectorConfig } from '../config/index.js';
import type { Batch, SplitProgress } from './buffer.js';
import type { Client, Outcome } from './client.js';
import type { CompleteBody, CompleteOutcome, StatusOutcome } from './outcome.js';
import { roundPause } from './retry.js';
import type { SessionTracker } from './tracker.js';
import type { EventBatch } from './types.js';

export type CrashPoint = 'after-202-before-commit' | 'between-batches';

/** How stale the stored time of the last request may get while verdicts repeat. */
const VERDICT_REFRESH_MS = 5_000;

export interface PublisherDeps {
  client: Client;
  clock?: () => Date;
  random?: () => number;
  log?: (level: 'info' | 'warn', message: string) => void;
  /** Test hook for the reliability suite: called at deterministic points; may kill the process. */
  crashPoint?: (point: CrashPoint) => void;
}

/** What the publisher does next with a session after an outcome. */
export type Step = 'acked' | 'again' | 'stop' | 'gap';

export interface SessionMemory {
  /** Current batch size cap for this session: halved by 413/500/suspect batches, reset on success. */
  limit: number;
  soloFailures: number;
  gapRecoveries: number;
  /** The kind of problem last logged for this session; repeats stay quiet until a batch is acknowledged. */
  warned: string | null;
  /** A message split by the last acknowledged batch, valid while the cursor is still `cursor`. */
  split: (SplitProgress & { cursor: number }) | null;
}

export class PublishContext {
  readonly clock: () => Date;
  readonly random: () => number;
  private readonly memory = new Map<string, SessionMemory>();
  /** Successful requests so far: a batch is suspect only when others succeeded while it failed. */
  successes = 0;
  /** A round failed with nothing succeeding around it: the next acknowledgement ends the outage. */
  serverDown = false;
  /** Told of every acknowledged batch (its event count); the publisher uses it for drain progress. */
  onAcked: (events: number) => void = () => undefined;
  /** The first acknowledgement after an outage (`serverDown` was set). */
  onServerBack: () => void = () => undefined;
  private lastVerdict: { ok: boolean; detail: string | null; atMs: number } | null = null;

  constructor(
    readonly tracker: SessionTracker,
    readonly config: CollectorConfig,
    private readonly deps: PublisherDeps,
  ) {
    this.clock = deps.clock ?? (() => new Date());
    this.random = deps.random ?? Math.random;
  }

  now(): string {
    return this.clock().toISOString();
  }

  log(level: 'info' | 'warn', message: string): void {
    this.deps.log?.(level, message);
  }

  crashPoint(point: CrashPoint): void {
    this.deps.crashPoint?.(point);
  }

  mem(sessionId: string): SessionMemory {
    let m = this.memory.get(sessionId);
    if (!m) {
      m = { limit: this.config.batchSize, soloFailures: 0, gapRecoveries: 0, warned: null, split: null };
      this.memory.set(sessionId, m);
    }
    return m;
  }

  async sendEvents(batch: EventBatch, signal: AbortSignal): Promise<Outcome> {
    this.tracker.count('calls', 1);
    const outcome = await this.deps.client.sendEvents(batch, signal);
    if (outcome.kind === 'accepted') this.successes++;
    this.note(outcome.kind === 'accepted', outcome);
    return outcome;
  }

  async sessionStatus(wireId: string, signal: AbortSignal): Promise<StatusOutcome> {
    this.tracker.count('calls', 1);
    const outcome = await this.deps.client.sessionStatus(wireId, signal);
    // A 404 (nothing stored) or 403 (another collector's) is the server answering as documented.
    this.note(['status', 'notFound', 'foreignSession'].includes(outcome.kind), outcome);
    return outcome;
  }

  async completeSession(wireId: string, body: CompleteBody, signal: AbortSignal): Promise<CompleteOutcome> {
    this.tracker.count('calls', 1);
    const outcome = await this.deps.client.completeSession(wireId, body, signal);
    this.note(outcome.kind === 'completed', outcome);
    return outcome;
  }

  /**
   * Keeps the verdict of a request for `collector status`; a cancelled one says nothing about the server.
   * Written when the verdict changes, else at most every `VERDICT_REFRESH_MS` (the time shown stays fresh
   * without a write per batch).
   */
  private note(ok: boolean, outcome: { kind: string; reason?: unknown }): void {
    if (outcome.kind === 'cancelled') return;
    const why = typeof outcome.reason === 'string' ? ` (${outcome.reason})` : '';
    const detail = ok ? null : `${outcome.kind}${why}: ${detailOf(outcome)}`;
    const nowMs = this.clock().getTime();
    const last = this.lastVerdict;
    if (last && last.ok === ok && last.detail === detail && nowMs - last.atMs < VERDICT_REFRESH_MS) return;
    this.tracker.recordRequest(ok, detail, new Date(nowMs).toISOString());
    this.lastVerdict = { ok, detail, atMs: nowMs };
  }

  /**
   * Logs a session's problem once: retries, halvings and later rounds failing the same way stay quiet until
   * the session has a batch acknowledged (`collector sessions` shows the latest detail meanwhile).
   */
  warnOnce(sessionId: string, kind: string, message: string): void {
    const m = this.mem(sessionId);
    if (m.warned === kind) return;
    m.warned = kind;
    this.log('warn', message);
  }

  /** Ends the session's round: it waits min(30 s × 2ᵏ, 15 min) before the next one (DESIGN §3.4). */
  failRound(batch: Batch, detail: string, kind: string): 'stop' {
    const st = this.tracker.state(batch.sessionId, false);
    const wait = roundPause(st.failedRounds);
    this.tracker.roundFailed(
      batch.sessionId,
      new Date(this.clock().getTime() + wait).toISOString(),
      detail,
      this.now(),
    );
    this.warnOnce(
      batch.sessionId,
      kind,
      `publishing ${batch.wireId} failed, next try in ${Math.round(wait / 1000)} s: ${detail}`,
    );
    return 'stop';
  }
}

export function detailOf(o: { kind: string }): string {
  const detail = (o as { detail?: unknown }).detail;
  return typeof detail === 'string' ? detail : o.kind;
}
