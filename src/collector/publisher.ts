/**
 * Publisher: drains the outbox (the messages table read from each session's cursor) to the server.
 *
 * Guarantees:
 * - At-least-once delivery, exactly-once storage: a cursor moves only after the server accepted the batch,
 *   in the same transaction that records the acknowledgement; a resend after a crash or timeout carries the
 *   same identity-based hashes, which the server deduplicates.
 * - Order within a session: one batch in flight per session, sent in seq order, stopping at the first
 *   message that may still change. Sessions publish concurrently up to `CONCURRENCY`.
 * - Nothing is dropped without a row in `collector_rejections`; a refused event's ordinal is kept by a
 *   filler so a legacy server's gap check cannot loop. Ordinals go only to events actually sent.
 * - Every outcome either changes the session's next batch or ends its round with a backoff, so no batch is
 *   resent unchanged in a loop (outcome-step.ts).
 * - A dead or slow server never blocks ingest: all waiting here is asynchronous, and nothing but the
 *   current batches is held in memory.
 *
 * The parts: batch building (buffer.ts), one round with the retry policy (round.ts), what an outcome means
 * (outcome-step.ts), legacy gap recovery (gap-recovery.ts), pauses (pause.ts), completion (completion.ts).
 */
import type { CollectorConfig } from '../config/index.js';
import type { Db } from '../store/index.js';
import { type Batch, nextBatch, numberForSend } from './buffer.js';
import { completeIdle } from './completion.js';
import { PublishContext, type PublisherDeps } from './context.js';
import { recoverGap } from './gap-recovery.js';
import { mappingOptionsFor } from './mapping-options.js';
import { applyOutcome } from './outcome-step.js';
import { Pauses } from './pause.js';
import { sendRound } from './round.js';
import { SessionSelector } from './selection.js';
import { type PendingSession, SessionTracker } from './tracker.js';
import type { MappingOptions } from './types.js';

export type { PublisherDeps } from './context.js';

const CONCURRENCY = 4;
const FULL_SCAN_EVERY_MS = 5 * 60_000;
/** How long the background loop waits after a round failed locally (e.g. the database's disk is full). */
const LOCAL_FAILURE_WAIT_MS = 30_000;

export interface DrainResult {
  /** Sessions that still have publishable messages after the drain. */
  remainingSessions: number;
  /** Why they remain, when known (paused, backoff, timeout, stopped). */
  reason: string | null;
}

export interface DrainOptions {
  /** Ends the drain early (the user pressed Ctrl-C); the batch in flight is cancelled, which is safe. */
  signal?: AbortSignal;
  /** Told after every acknowledged batch: events acknowledged by this drain so far. */
  onProgress?: (acknowledgedEvents: number) => void;
  /** The reason given when `timeoutMs` ran out. @default 'shutdown timeout reached' */
  timeoutReason?: string;
}

export class Publisher {
  readonly tracker: SessionTracker;
  private readonly ctx: PublishContext;
  private readonly pauses: Pauses;
  private readonly stopping = new AbortController();
  private loopRunning: Promise<void> | null = null;
  /** The last local error the loop reported, so a repeating one is logged once. */
  private localFailure: string | null = null;
  private wake: (() => void) | null = null;
  private wanted = false;
  private forceNext = false;
  /** Sessions ingest touched, or that still had something to send: checked without a full scan. */
  private readonly backlog = new Set<string>();
  private fullScanDue = true;
  private lastFullScan = 0;
  /** Sessions the running ingest pass created: published once that pass has ended (sync/pass.ts). */
  private held: ReadonlySet<string> = new Set();
  /** include/exclude_projects and backfill_since: sessions it refuses are never looked at. */
  private readonly selector: SessionSelector;
  /** Built once: compiling the redactor's custom patterns per batch would be wasted work. */
  private readonly mapping: MappingOptions;

  constructor(
    db: Db,
    private readonly config: CollectorConfig,
    deps: PublisherDeps,
  ) {
    this.tracker = new SessionTracker(db, config.serverUrl ?? '');
    this.ctx = new PublishContext(this.tracker, config, deps);
    this.ctx.onServerBack = () => this.serverAnswersAgain();
    this.pauses = new Pauses(this.ctx);
    this.selector = new SessionSelector(db, config);
    this.mapping = mappingOptionsFor(config);
    this.pauses.guardServer();
  }

  /** Sessions not to publish while they are in this (live) set. */
  hold(sessions: ReadonlySet<string>): void {
    this.held = sessions;
  }

  /** Starts the background loop used by `sync --watch`. */
  start(): void {
    if (this.loopRunning) return;
    this.loopRunning = this.loop();
  }

  /**
   * New rows were committed: publish soon (respecting the flush interval and backoff). `touched` names the
   * sessions that changed; without it (or with `all`) the next round checks every session.
   */
  notify(touched?: { sessions: Iterable<string>; all: boolean }): void {
    if (!touched || touched.all) this.fullScanDue = true;
    else for (const s of touched.sessions) this.backlog.add(s);
    this.wanted = true;
    this.wake?.();
  }

  /** `collector flush` / SIGUSR1: a round now, ignoring the flush interval and backoff waits. */
  flushNow(): void {
    this.forceNext = true;
    this.notify();
  }

  /**
   * Publishes everything pending, round after round while rounds make progress (one-shot sync, shutdown,
   * `collector flush`). Stops when a round acknowledges nothing (what is left waits for its retry or a
   * pause), after `timeoutMs` when given (null: no deadline), or when `opts.signal` aborts.
   */
  async drain(timeoutMs: number | null, opts: DrainOptions = {}): Promise<DrainResult> {
    // Its own deadline, not the loop's stop signal: shutdown stops the loop first, then drains (STYLE §2).
    const deadline = timeoutMs === null ? null : AbortSignal.timeout(Math.max(1, timeoutMs));
    const stops = [deadline, opts.signal].filter((s): s is AbortSignal => s !== undefined && s !== null);
    const signal = stops.length > 0 ? AbortSignal.any(stops) : new AbortController().signal;
    let acknowledged = 0;
    this.ctx.onAcked = (events) => {
      acknowledged += events;
      opts.onProgress?.(acknowledged);
    };
    let reason: string | null = null;
    try {
      while (!signal.aborted) {
        const progressed = await this.runOnce(true, signal);
        if (this.pauses.reason()) {
          reason = `publishing paused: ${this.pauses.reason()}`;
          break;
        }
        if (!progressed) break;
      }
    } finally {
      this.ctx.onAcked = () => undefined;
    }
    const remaining = this.selected(this.tracker.pending()).length;
    if (remaining > 0 && reason === null) {
      if (deadline?.aborted) reason = opts.timeoutReason ?? 'shutdown timeout reached';
      else if (opts.signal?.aborted) reason = 'stopped';
      else reason = 'waiting to retry';
    }
    return { remainingSessions: remaining, reason: remaining > 0 ? reason : null };
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    await this.loopRunning;
  }

  private async loop(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      const force = this.forceNext;
      this.forceNext = false;
      this.wanted = false;
      let wait = Math.max(250, this.config.flushIntervalSecs * 1000);
      try {
        await this.runOnce(force, signal);
        this.localFailure = null;
      } catch (err) {
        // A local write failed (a full disk, a locked or damaged database): the cursor did not move, so the
        // round is simply tried again later. Said once per distinct problem; the daemon itself keeps ingesting.
        const message = err instanceof Error ? err.message : String(err);
        if (message !== this.localFailure)
          this.ctx.log('warn', `publishing: local database error: ${message}; will retry`);
        this.localFailure = message;
        wait = LOCAL_FAILURE_WAIT_MS;
      }
      if (signal.aborted) break;
      if (wait !== LOCAL_FAILURE_WAIT_MS && (this.wanted || this.forceNext)) continue;
      // Wake up for new data, or after a flush interval to send partial batches that have aged enough.
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** One pass over the sessions that have something to send. Returns true if any batch was acknowledged. */
  async runOnce(force: boolean, signal: AbortSignal): Promise<boolean> {
    if (this.pauses.reason()) return false;
    const nowMs = this.ctx.clock().getTime();
    const candidates = this.candidates(force, nowMs);
    const due = candidates.filter(
      (p) => force || p.nextRetryAt === null || Date.parse(p.nextRetryAt) <= nowMs,
    );
    let progressed = false;
    let next = 0;
    const worker = async () => {
      while (next < due.length && !signal.aborted && !this.pauses.reason()) {
        const p = due[next++]!;
        if (!force && !this.due(p)) continue;
        if (await this.publishSession(p.sessionId, force, signal)) progressed = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, worker));
    // What is still pending is looked at again next round: stopped by a limit, failed, or still waiting for
    // its retry time. Candidates that were not due count too: dropping them would leave a session whose
    // round failed during an outage unsent until ingest touches it again or the periodic full scan.
    for (const p of this.tracker.pendingAmong(candidates.map((d) => d.sessionId)))
      this.backlog.add(p.sessionId);
    if (this.config.completeAfterIdleMinutes > 0 && !signal.aborted)
      await completeIdle(this.ctx, this.pauses, this.selector, signal);
    return progressed;
  }

  /**
   * Sessions to look at: every session on start, on `force`, after groups closed by idle time and every
   * few minutes; otherwise only those ingest named since the last round (a daemon watching thousands of
   * files must not scan them all on every append).
   */
  private candidates(force: boolean, nowMs: number) {
    if (force || this.fullScanDue || nowMs - this.lastFullScan >= FULL_SCAN_EVERY_MS) {
      this.fullScanDue = false;
      this.lastFullScan = nowMs;
      this.backlog.clear();
      return this.selected(this.tracker.pending());
    }
    const ids = [...this.backlog];
    this.backlog.clear();
    return this.selected(this.tracker.pendingAmong(ids));
  }

  private selected(pending: PendingSession[]): PendingSession[] {
    return pending.filter((p) => !this.held.has(p.sessionId) && this.selector.publishes(p.sessionId));
  }

  /**
   * Whether a session's next batch would be sent now: its oldest waiting message is `flush_interval_secs`
   * old, or enough messages wait to fill a batch. Checked before mapping anything, because ingest notifies
   * after every chunk and most of those rounds have nothing due yet.
   */
  private due(p: PendingSession): boolean {
    const age = this.ctx.clock().getTime() - Date.parse(p.oldestObservedAt);
    if (age >= this.config.flushIntervalSecs * 1000) return true;
    const limit = this.ctx.mem(p.sessionId).limit;
    return this.tracker.publishableCount(p.sessionId, p.cursor, limit) >= limit;
  }

  /** History ingested before the collector was enabled is backfilled: it never gets a `session_end`. */
  private backfilled(sessionId: string): boolean {
    const enabledAt = this.tracker.global().enabledAt;
    const createdAt = this.tracker.sessionCreatedAt(sessionId);
    return enabledAt !== null && createdAt !== null && createdAt < enabledAt;
  }

  /** Sends the session's batches in order until it is caught up, not yet due, or its round ends. */
  private async publishSession(sessionId: string, force: boolean, signal: AbortSignal): Promise<boolean> {
    let progressed = false;
    for (let first = true; !signal.aborted; first = false) {
      const batch = this.buildBatch(sessionId);
      if (!batch) break;
      if (!force && !batch.full && !this.aged(batch)) break;
      if (!first) this.ctx.crashPoint('between-batches');
      const events = numberForSend(this.tracker, batch, this.ctx.now());
      const { outcome, othersSucceeded } = await sendRound(this.ctx, batch, events, signal);
      // A round cut short by shutdown says nothing about the batch or the server: it is sent again later.
      if (signal.aborted && outcome.kind !== 'accepted') break;
      let step = applyOutcome(this.ctx, this.pauses, batch, outcome, othersSucceeded);
      if (step === 'gap') step = await recoverGap(this.ctx, batch, signal);
      if (step === 'acked') progressed = true;
      if (step === 'stop') break;
    }
    return progressed;
  }

  private buildBatch(sessionId: string): Batch | null {
    const m = this.ctx.mem(sessionId);
    const state = this.tracker.state(sessionId, this.backfilled(sessionId));
    // A split message's progress holds only while the cursor has not moved (a gap rewind clears it too).
    const split = m.split !== null && m.split.cursor === state.cursor ? m.split : null;
    return nextBatch(
      this.tracker,
      state,
      { batchSize: m.limit, maxBatchBytes: this.config.maxBatchBytes, mapping: this.mapping },
      this.ctx.now(),
      split,
    );
  }

  private aged(batch: Batch): boolean {
    const oldest = Math.min(...batch.slots.map((s) => Date.parse(s.observedAt)));
    return this.ctx.clock().getTime() - oldest >= this.config.flushIntervalSecs * 1000;
  }

  /**
   * The first acknowledgement after an outage: sessions whose rounds failed meanwhile would otherwise wait
   * out backoffs that grew during it (up to minutes each), so the backlog drains only slowly. They are due
   * again now, and the next round looks at every session.
   */
  private serverAnswersAgain(): void {
    const waiting = this.tracker.retryWaitingNow(this.ctx.now());
    if (waiting === 0) return;
    this.ctx.log('info', `the server answers again: ${waiting} waiting session(s) retry now`);
    this.fullScanDue = true;
    this.wanted = true;
  }
}
