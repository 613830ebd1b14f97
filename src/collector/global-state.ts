/** The one row of collector-wide state (`collector_state`): the server, the pause, health, live since. */
import type { Db } from '../store/index.js';

export interface GlobalState {
  serverUrl: string | null;
  enabledAt: string | null;
  pausedReason: string | null;
  pausedDetail: string | null;
  pausedAt: string | null;
  pausedConfig: string | null;
  location: string | null;
  /** The last request to the server: when, whether it succeeded, and what it was told otherwise. */
  lastRequestAt: string | null;
  lastRequestOk: boolean | null;
  lastRequestDetail: string | null;
  lastSuccessAt: string | null;
  /** Messages observed before this are backfill for latency figures (enabling, or a cursor reset). */
  liveSince: string | null;
}

const GLOBAL_COLUMNS: readonly [keyof GlobalState, string][] = [
  ['serverUrl', 'server_url'],
  ['enabledAt', 'enabled_at'],
  ['pausedReason', 'paused_reason'],
  ['pausedDetail', 'paused_detail'],
  ['pausedAt', 'paused_at'],
  ['pausedConfig', 'paused_config'],
  ['location', 'location'],
  ['lastRequestAt', 'last_request_at'],
  ['lastRequestOk', 'last_request_ok'],
  ['lastRequestDetail', 'last_request_detail'],
  ['lastSuccessAt', 'last_success_at'],
  ['liveSince', 'live_since'],
];

export class GlobalStore {
  private readonly st;

  constructor(private readonly db: Db) {
    this.st = {
      get: db.prepare('SELECT * FROM collector_state WHERE id = 1'),
      request: db.prepare(
        `UPDATE collector_state SET last_request_at = @now, last_request_ok = @ok, last_request_detail = @detail,
           last_success_at = CASE WHEN @ok = 1 THEN @now ELSE last_success_at END WHERE id = 1`,
      ),
    };
  }

  get(): GlobalState {
    const r = this.st.get.get() as Record<string, string | number | null> | undefined;
    const out = {} as Record<keyof GlobalState, unknown>;
    for (const [key, column] of GLOBAL_COLUMNS) out[key] = r?.[column] ?? null;
    if (out.lastRequestOk !== null) out.lastRequestOk = out.lastRequestOk === 1;
    return out as unknown as GlobalState;
  }

  set(patch: Partial<GlobalState>): void {
    const next: Record<string, unknown> = { ...this.get(), ...patch };
    if (typeof next.lastRequestOk === 'boolean') next.lastRequestOk = next.lastRequestOk ? 1 : 0;
    const columns = GLOBAL_COLUMNS.map(([, c]) => c).join(', ');
    const values = GLOBAL_COLUMNS.map(([k]) => `@${k}`).join(', ');
    const updates = GLOBAL_COLUMNS.map(([, c]) => `${c} = excluded.${c}`).join(', ');
    this.db
      .prepare(
        `INSERT INTO collector_state (id, ${columns}) VALUES (1, ${values}) ON CONFLICT(id) DO UPDATE SET ${updates}`,
      )
      .run(next);
  }

  recordRequest(ok: boolean, detail: string | null, now: string): void {
    this.st.request.run({ ok: ok ? 1 : 0, detail: ok ? null : detail, now });
  }

  clearPause(): void {
    this.set({ pausedReason: null, pausedDetail: null, pausedAt: null, pausedConfig: null, location: null });
  }
}
