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
 *   filler so a legacy server's gap check cannot loop.
 * - A dead or slow server never blocks ingest: all waiting here is asynchronous, and nothing but the
 *   current batches is held in memory.
 */
import { createHash } from 'node:crypto';
import type { CollectorConfig } from '../config/index.js';
import type { Db } from '../store/index.js';
import { type Batch, nextBatch } from './buffer.js';
import type { Client, Outcome } from './client.js';
import { sessionEndEvent, wireSessionId } from './mapping.js';
import { mappingOptionsFor } from './mapping-options.js';
import { backoffDelay, PAUSED_RETRY_MS, roundPause } from './retry.js';
import { SessionSelector } from './selection.js';
import { type PendingSession, SessionTracker } from './tracker.js';
import type { MappingOptions } from './types.js';

const CONCURRENCY = 4;
/** A pause that only the user lifts (`collector resume --reset-cursors` or `collector register`). */
const SERVER_CHANGED = 'server-url-changed';
/** Consecutive 409s without progress after which the gap is treated as a failed round. */
const MAX_GAP_RECOVERIES = 3;
const FULL_SCAN_EVERY_MS = 5 * 60_000;
/** How long the background loop waits after a round failed locally (e.g. the database's disk is full). */
const LOCAL_FAILURE_WAIT_MS = 30_000;

export interface PublisherDeps {
  client: Client;
  clock?: () => Date;
  random?: () => number;
  log?: (level: 'info' | 'warn', message: string) => void;
  /** Test hook for the reliability suite: called at deterministic points; may kill the process. */
  crashPoint?: (point: 'after-202-before-commit' | 'between-batches') => void;
}

export interface DrainResult {
  /** Sessions that still have publishable messages after the drain. */
  remainingSessions: number;
  /** Why they remain, when known (paused, backoff, timeout). */
  reason: string | null;
}

interface SessionMemory {
  /** Current batch size cap for this session: halved by 413/500/suspect batches, reset on success. */
  limit: number;
  soloFailures: number;
  gapRecoveries: number;
  /** The kind of problem last logged for this session; repeats stay quiet until a batch is acknowledged. */
  warned: string | null;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export class Publisher {
  readonly tracker: SessionTracker;
  private readonly clock: () => Date;
  private readonly random: () => number;
  private readonly memory = new Map<string, SessionMemory>();
  private readonly stopping = new AbortController();
  private loopRunning: Promise<void> | null = null;
  /** A round failed with nothing succeeding around it: the next acknowledgement ends the outage. */
  private serverDown = false;
  /** The last local error the loop reported, so a repeating one is logged once. */
  private localFailure: string | null = null;
  private wake: (() => void) | null = null;
  private wanted = false;
  private forceNext = false;
  /** Sessions ingest touched, or that still had something to send: checked without a full scan. */
  private readonly backlog = new Set<string>();
  private fullScanDue = true;
  private lastFullScan = 0;
  /** Successful requests so far: a batch is suspect only when others succeeded while it failed. */
  private successes = 0;
  private loggedPause: string | null = null;
  /** include/exclude_projects and backfill_since: sessions it refuses are never looked at. */
  private readonly selector: SessionSelector;
  /** Built once: compiling the redactor's custom patterns per batch would be wasted work. */
  private readonly mapping: MappingOptions;

  constructor(
    db: Db,
    private readonly config: CollectorConfig,
    private readonly deps: PublisherDeps,
  ) {
    this.tracker = new SessionTracker(db);
    this.selector = new SessionSelector(db, config);
    this.mapping = mappingOptionsFor(config);
    this.clock = deps.clock ?? (() => new Date());
    this.random = deps.random ?? Math.random;
    const g = this.tracker.global();
    if (g.enabledAt === null) this.tracker.setGlobal({ enabledAt: this.now(), serverUrl: config.serverUrl });
    else if (g.serverUrl !== null && g.serverUrl !== config.serverUrl && g.pausedReason === null) {
      // Cursors describe what the old server holds: resending everything to the new one needs consent.
      this.tracker.setGlobal({
        pausedReason: SERVER_CHANGED,
        pausedDetail: `cursors refer to ${g.serverUrl}; run \`aiobscura collector resume --reset-cursors\` to publish everything to ${config.serverUrl}`,
        pausedAt: this.now(),
        pausedConfig: this.configFingerprint(),
        location: null,
      });
    }
  }

  private now(): string {
    return this.clock().toISOString();
  }

  private log(level: 'info' | 'warn', message: string): void {
    this.deps.log?.(level, message);
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

  /** Publishes everything pending within `timeoutMs` (one-shot sync and shutdown). */
  async drain(timeoutMs: number): Promise<DrainResult> {
    // Its own deadline, not the loop's stop signal: shutdown stops the loop first, then drains (STYLE §2).
    const deadline = AbortSignal.timeout(Math.max(1, timeoutMs));
    let reason: string | null = null;
    while (!deadline.aborted) {
      const progressed = await this.runOnce(true, deadline);
      if (this.pausedReason()) {
        reason = `publishing paused: ${this.pausedReason()}`;
        break;
      }
      if (!progressed) break;
    }
    const remaining = this.selected(this.tracker.pending()).length;
    if (remaining > 0 && reason === null)
      reason = deadline.aborted ? 'shutdown timeout reached' : 'waiting to retry';
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
          this.log('warn', `publishing: local database error: ${message}; will retry`);
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

  private pausedReason(): string | null {
    const g = this.tracker.global();
    if (!g.pausedReason) return null;
    if (g.pausedReason === SERVER_CHANGED) return g.pausedReason;
    const since = g.pausedAt ? Date.parse(g.pausedAt) : 0;
    // A pause lifts by itself after 15 minutes, or at once when the collector config changed.
    if (this.clock().getTime() - since >= PAUSED_RETRY_MS || g.pausedConfig !== this.configFingerprint()) {
      this.tracker.clearPause();
      return null;
    }
    return g.pausedReason;
  }

  /**
   * Identifies the credentials (and trusted authorities) a pause was decided under; a digest, so no key
   * material is stored. Changing any of them lifts the pause at once.
   */
  private configFingerprint(): string {
    const c = this.config;
    return (
      createHash('sha256')
        // ca_file only when set, so fingerprints stored before it existed still match.
        .update(JSON.stringify([c.serverUrl, c.collectorId, c.apiKey, ...(c.caFile ? [c.caFile] : [])]))
        .digest('hex')
        .slice(0, 16)
    );
  }

  /** One pass over the sessions that have something to send. Returns true if any batch was acknowledged. */
  async runOnce(force: boolean, signal: AbortSignal): Promise<boolean> {
    if (this.pausedReason()) return false;
    const nowMs = this.clock().getTime();
    const candidates = this.candidates(force, nowMs);
    const due = candidates.filter(
      (p) => force || p.nextRetryAt === null || Date.parse(p.nextRetryAt) <= nowMs,
    );
    let progressed = false;
    let next = 0;
    const worker = async () => {
      while (next < due.length && !signal.aborted && !this.pausedReason()) {
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
    if (this.config.completeAfterIdleMinutes > 0 && !signal.aborted) await this.completeIdle(signal);
    return progressed;
  }

  /**
   * Opt-in completion (DESIGN.md §3.6): one `session_end` with outcome `partial`, timed at the last published
   * message, once a session is fully published and idle past `complete_after_idle_minutes`.
   */
  private async completeIdle(signal: AbortSignal): Promise<void> {
    const idleBefore = new Date(
      this.clock().getTime() - this.config.completeAfterIdleMinutes * 60_000,
    ).toISOString();
    for (const s of this.tracker.idleCompleted(idleBefore)) {
      if (signal.aborted || this.pausedReason()) return;
      if (!this.selector.publishes(s.sessionId)) continue;
      const wireId = wireSessionId(s.sessionId);
      const end = sessionEndEvent(s.lastEmittedAt, this.now(), wireId);
      const [sequence] = this.tracker.assignSequences(
        s.sessionId,
        [{ hash: end.event_hash, type: end.type, messageSeq: s.lastSeq }],
        this.now(),
      );
      this.tracker.count('calls', 1);
      const outcome = await this.deps.client.sendEvents(
        { session_id: wireId, events: [{ ...end, sequence }] },
        signal,
      );
      if (outcome.kind === 'accepted') this.tracker.markCompleted(s.sessionId, this.now());
      else if (outcome.kind === 'paused' || outcome.kind === 'redirect')
        this.pause(
          outcome.kind === 'redirect' ? 'redirect' : outcome.reason,
          this.detailOf(outcome),
          outcome,
        );
    }
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
    return pending.filter((p) => this.selector.publishes(p.sessionId));
  }

  /**
   * Whether a session's next batch would be sent now: its oldest waiting message is `flush_interval_secs`
   * old, or enough messages wait to fill a batch. Checked before mapping anything, because ingest notifies
   * after every chunk and most of those rounds have nothing due yet.
   */
  private due(p: PendingSession): boolean {
    const age = this.clock().getTime() - Date.parse(p.oldestObservedAt);
    if (age >= this.config.flushIntervalSecs * 1000) return true;
    return (
      this.tracker.publishableCount(p.sessionId, p.cursor, this.mem(p.sessionId).limit) >=
      this.mem(p.sessionId).limit
    );
  }

  private mem(sessionId: string): SessionMemory {
    let m = this.memory.get(sessionId);
    if (!m) {
      m = { limit: this.config.batchSize, soloFailures: 0, gapRecoveries: 0, warned: null };
      this.memory.set(sessionId, m);
    }
    return m;
  }

  /** History ingested before the collector was enabled is backfilled: it never gets a `session_end`. */
  private backfilled(sessionId: string): boolean {
    const enabledAt = this.tracker.global().enabledAt;
    const createdAt = this.tracker.sessionCreatedAt(sessionId);
    return enabledAt !== null && createdAt !== null && createdAt < enabledAt;
  }

  /** Sends the session's batches in order until it is caught up, not yet due, or a round fails. */
  private async publishSession(sessionId: string, force: boolean, signal: AbortSignal): Promise<boolean> {
    let progressed = false;
    for (let first = true; !signal.aborted; first = false) {
      const m = this.mem(sessionId);
      const batch = nextBatch(
        this.tracker,
        sessionId,
        {
          batchSize: m.limit,
          maxBatchBytes: this.config.maxBatchBytes,
          mapping: this.mapping,
        },
        this.config.serverUrl ?? '',
        this.backfilled(sessionId),
        this.now(),
      );
      if (!batch) break;
      if (!force && !batch.full && !this.aged(batch)) break;
      if (!first) this.deps.crashPoint?.('between-batches');
      const before = this.successes;
      const outcome = await this.sendRound(batch, signal);
      const next = this.handle(batch, outcome, this.successes > before);
      if (next === 'acked') progressed = true;
      if (next === 'stop') break;
      if (next === 'gap') await this.recoverGap(batch, signal);
    }
    return progressed;
  }

  private aged(batch: Batch): boolean {
    const oldest = Math.min(...batch.observedAts.map((t) => Date.parse(t)));
    return this.clock().getTime() - oldest >= this.config.flushIntervalSecs * 1000;
  }

  /**
   * One round: the first attempt plus up to `max_retries` retries of transient failures with full-jitter
   * backoff. A 429 waits as long as the server asks and does not count as a failed retry.
   */
  private async sendRound(batch: Batch, signal: AbortSignal): Promise<Outcome> {
    let attempt = 0;
    for (;;) {
      this.tracker.count('calls', 1);
      const outcome = await this.deps.client.sendEvents(
        { session_id: batch.wireId, events: batch.events },
        signal,
      );
      if (outcome.kind === 'accepted') this.successes++;
      if (outcome.kind === 'throttled') {
        await sleep(outcome.delayMs, signal);
        if (signal.aborted) return outcome;
        continue;
      }
      if (outcome.kind !== 'transient') return outcome;
      this.tracker.count('failures', 1);
      if (attempt >= this.config.maxRetries || signal.aborted) return outcome;
      this.tracker.count('retries', 1);
      await sleep(backoffDelay(attempt, this.random), signal);
      attempt++;
    }
  }

  /** Applies an outcome; says whether to continue with the next batch, stop, or recover a legacy gap. */
  private handle(
    batch: Batch,
    outcome: Outcome,
    othersSucceeded: boolean,
  ): 'acked' | 'again' | 'stop' | 'gap' {
    const m = this.mem(batch.sessionId);
    const now = this.now();
    switch (outcome.kind) {
      case 'accepted': {
        this.deps.crashPoint?.('after-202-before-commit');
        const ackedAt = this.clock().getTime();
        this.tracker.acknowledge(
          {
            sessionId: batch.sessionId,
            cursor: batch.cursorAfter,
            startAcked: batch.includesStart,
            sent: batch.events.length,
            accepted: outcome.accepted,
            latenciesMs: batch.observedAts.map((t) => ackedAt - Date.parse(t)),
          },
          now,
        );
        m.limit = this.config.batchSize;
        m.soloFailures = 0;
        m.gapRecoveries = 0;
        m.warned = null;
        if (this.serverDown) this.serverAnswersAgain();
        return 'acked';
      }
      case 'rejectEvents':
        for (const i of outcome.indices) this.rejectAt(batch, i, 422, outcome.detail);
        return 'again';
      case 'tooLarge':
      case 'valueError': {
        if (batch.events.length === 1 || m.limit === 1) {
          this.rejectAt(
            batch,
            batch.events.length - 1,
            outcome.kind === 'tooLarge' ? 413 : 500,
            this.detailOf(outcome),
          );
          return 'again';
        }
        m.limit = Math.max(1, Math.floor(Math.min(m.limit, batch.events.length) / 2));
        return 'again';
      }
      case 'clientBug': {
        const detail = `server refused a batch of ${batch.wireId} as invalid (a client bug): ${outcome.detail}`;
        this.warnOnce(batch.sessionId, 'clientBug', detail);
        // At a limit of 1 a batch can still hold 2 events (session_start + the first message): halving no
        // further, the round fails and waits, instead of resending the same batch in a tight loop.
        if (batch.events.length > 1 && m.limit > 1) {
          m.limit = Math.max(1, Math.floor(Math.min(m.limit, batch.events.length) / 2));
          return 'again';
        }
        return this.failRound(batch, detail, 'clientBug');
      }
      case 'sequenceGap':
        return 'gap';
      case 'cancelled':
        return 'stop';
      case 'paused':
      case 'redirect':
        this.pause(
          outcome.kind === 'redirect' ? 'redirect' : outcome.reason,
          this.detailOf(outcome),
          outcome,
        );
        return 'stop';
      case 'protocol':
        return this.failRound(batch, `unexpected response (check server_url): ${outcome.detail}`, 'protocol');
      case 'transient':
      case 'throttled':
        return this.transientRoundFailed(batch, this.detailOf(outcome), othersSucceeded);
      default:
        return outcome satisfies never;
    }
  }

  private detailOf(o: Outcome): string {
    return 'detail' in o && typeof o.detail === 'string' ? o.detail : o.kind;
  }

  /** Records an event as refused for good; the rest of the batch is sent again at once. */
  private rejectAt(batch: Batch, index: number, status: number, detail: string): void {
    const e = batch.events[index];
    if (!e || e.type === 'metadata') return;
    this.tracker.reject(
      {
        sessionId: batch.sessionId,
        seq: batch.messageSeqs[index] ?? 0,
        type: e.type,
        hash: e.event_hash,
        status,
        detail,
      },
      this.now(),
    );
    this.log('warn', `event ${e.event_hash} (${e.type}) of ${batch.wireId} refused by the server: ${detail}`);
  }

  /**
   * A failed round of transient errors. When other requests succeeded meanwhile, the batch itself is
   * suspect: it is bisected, and a single event that fails alone twice is refused.
   */
  private transientRoundFailed(batch: Batch, detail: string, othersSucceeded: boolean): 'again' | 'stop' {
    const m = this.mem(batch.sessionId);
    if (othersSucceeded && batch.events.length > 1) {
      m.limit = Math.max(1, Math.floor(Math.min(m.limit, batch.events.length) / 2));
    } else if (othersSucceeded && batch.events.length === 1 && ++m.soloFailures >= 2) {
      this.rejectAt(batch, 0, 0, `failed alone twice while other requests succeeded: ${detail}`);
      m.soloFailures = 0;
      return 'again';
    }
    // Nothing succeeded around it: the server itself is down or unreachable, not this batch.
    if (!othersSucceeded) this.serverDown = true;
    return this.failRound(batch, detail, 'transient');
  }

  /**
   * The first acknowledgement after an outage: sessions whose rounds failed meanwhile would otherwise wait
   * out backoffs that grew during it (up to minutes each), so the backlog drains only slowly. They are due
   * again now, and the next round looks at every session.
   */
  private serverAnswersAgain(): void {
    this.serverDown = false;
    const waiting = this.tracker.retryWaitingNow(this.now());
    if (waiting === 0) return;
    this.log('info', `the server answers again: ${waiting} waiting session(s) retry now`);
    this.fullScanDue = true;
    this.wanted = true;
  }

  /**
   * Logs a session's problem once: retries, halvings and later rounds failing the same way stay quiet until
   * the session has a batch acknowledged (`collector sessions` shows the latest detail meanwhile).
   */
  private warnOnce(sessionId: string, kind: string, message: string): void {
    const m = this.mem(sessionId);
    if (m.warned === kind) return;
    m.warned = kind;
    this.log('warn', message);
  }

  private failRound(batch: Batch, detail: string, kind: string): 'stop' {
    const st = this.tracker.state(batch.sessionId, this.config.serverUrl ?? '', false);
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

  private pause(reason: string, detail: string, outcome: Outcome): void {
    this.tracker.setGlobal({
      pausedReason: reason,
      pausedDetail: detail,
      pausedAt: this.now(),
      pausedConfig: this.configFingerprint(),
      location: outcome.kind === 'redirect' ? outcome.location : null,
    });
    const line = `publishing paused (${reason}): ${detail}`;
    if (this.loggedPause !== line) this.log('warn', line);
    this.loggedPause = line;
  }

  /** Legacy 409: ask the server where it is, and resend from its last sequence + 1. */
  private async recoverGap(batch: Batch, signal: AbortSignal): Promise<void> {
    const m = this.mem(batch.sessionId);
    if (++m.gapRecoveries > MAX_GAP_RECOVERIES) {
      this.failRound(batch, 'sequence gap persists after recovery', 'gap');
      return;
    }
    const status = await this.deps.client.sessionStatus(batch.wireId, signal);
    const last = status.kind === 'status' ? status.lastSequence : 0;
    this.tracker.rewindTo(batch.sessionId, last);
  }
}
