/**
 * Publishing as a whole paused (DESIGN §3.5 row 4): credentials refused, a redirect, a missing endpoint, or
 * a changed `server_url` waiting for the user's consent. A pause lifts by itself after 15 minutes or at once
 * when the credentials it was decided under change; the server change only by `collector resume
 * --reset-cursors` or `collector register`.
 */
import { createHash } from 'node:crypto';
import type { PublishContext } from './context.js';
import type { Outcome } from './outcome.js';
import { PAUSED_RETRY_MS } from './retry.js';

/** A pause that only the user lifts (`collector resume --reset-cursors` or `collector register`). */
export const SERVER_CHANGED = 'server-url-changed';

export class Pauses {
  private logged: string | null = null;

  constructor(private readonly ctx: PublishContext) {}

  /**
   * On start: the first run enables publishing here; cursors kept for another server describe what that
   * server holds, so sending everything to this one waits for consent.
   */
  guardServer(): void {
    const { tracker, config } = this.ctx;
    const g = tracker.global();
    if (g.enabledAt === null) {
      const now = this.ctx.now();
      tracker.setGlobal({ enabledAt: now, liveSince: now, serverUrl: config.serverUrl });
    } else if (g.serverUrl !== null && g.serverUrl !== config.serverUrl && g.pausedReason === null) {
      tracker.setGlobal({
        pausedReason: SERVER_CHANGED,
        pausedDetail: `cursors refer to ${g.serverUrl}; run \`aiobscura collector resume --reset-cursors\` to publish everything to ${config.serverUrl}`,
        pausedAt: this.ctx.now(),
        pausedConfig: this.fingerprint(),
        location: null,
      });
    }
  }

  /** The reason publishing is paused now, or null; lifts an expired pause or one from other credentials. */
  reason(): string | null {
    const g = this.ctx.tracker.global();
    if (!g.pausedReason) return null;
    if (g.pausedReason === SERVER_CHANGED) return g.pausedReason;
    const since = g.pausedAt ? Date.parse(g.pausedAt) : 0;
    if (this.ctx.clock().getTime() - since >= PAUSED_RETRY_MS || g.pausedConfig !== this.fingerprint()) {
      this.ctx.tracker.clearPause();
      return null;
    }
    return g.pausedReason;
  }

  pause(outcome: Extract<Outcome, { kind: 'paused' | 'redirect' }>, detail: string): void {
    const reason = outcome.kind === 'redirect' ? 'redirect' : outcome.reason;
    this.ctx.tracker.setGlobal({
      pausedReason: reason,
      pausedDetail: detail,
      pausedAt: this.ctx.now(),
      pausedConfig: this.fingerprint(),
      location: outcome.kind === 'redirect' ? outcome.location : null,
    });
    const line = `publishing paused (${reason}): ${detail}`;
    if (this.logged !== line) this.ctx.log('warn', line);
    this.logged = line;
  }

  /**
   * Identifies the credentials (and trusted authorities) a pause was decided under; a digest, so no key
   * material is stored. Changing any of them lifts the pause at once.
   */
  private fingerprint(): string {
    const c = this.ctx.config;
    return (
      createHash('sha256')
        // ca_file only when set, so fingerprints stored before it existed still match.
        .update(JSON.stringify([c.serverUrl, c.collectorId, c.apiKey, ...(c.caFile ? [c.caFile] : [])]))
        .digest('hex')
        .slice(0, 16)
    );
  }
}
