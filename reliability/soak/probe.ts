/**
 * What the soak watches from outside the daemon: its resident set (`/proc/<pid>/status`) and, through a
 * read-only connection to its database, how much is stored and how much is still waiting to be published.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';

/** Current resident set of a process in bytes (VmRSS), or null once it is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export interface RssSample {
  /** Milliseconds since the sampler started (the daemon's start). */
  atMs: number;
  bytes: number;
}

/** Samples a process's RSS at a fixed interval. */
export class RssSampler {
  readonly samples: RssSample[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly started = performance.now();

  constructor(
    private readonly pid: number,
    everyMs: number,
  ) {
    this.take();
    this.timer = setInterval(() => this.take(), everyMs);
  }

  private take(): void {
    const bytes = rssBytes(this.pid);
    if (bytes !== null) this.samples.push({ atMs: performance.now() - this.started, bytes });
  }

  now(): number {
    return performance.now() - this.started;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  between(fromMs: number, toMs: number): number[] {
    return this.samples.filter((s) => s.atMs >= fromMs && s.atMs <= toMs).map((s) => s.bytes);
  }
}

/** Sessions whose first message after the cursor may be sent: what the publisher still has to do now. */
const PENDING = `SELECT count(*) FROM sessions s LEFT JOIN collector_publish_state p ON p.session_id = s.id
  WHERE (SELECT m.publishable FROM messages m WHERE m.session_id = s.id
           AND m.seq > coalesce(p.last_published_seq, 0) ORDER BY m.seq LIMIT 1) = 1`;
/** Messages not yet covered by their session's cursor, publishable or still open. */
const UNSENT = `SELECT count(*) FROM messages m LEFT JOIN collector_publish_state p ON p.session_id = m.session_id
  WHERE m.seq > coalesce(p.last_published_seq, 0)`;

export class LocalProbe {
  private readonly db: Database.Database;
  private readonly st;

  constructor(dbPath: string) {
    this.db = new Database(dbPath, { readonly: true, fileMustExist: true });
    this.db.pragma('busy_timeout = 5000');
    this.st = {
      messages: this.db.prepare('SELECT count(*) FROM messages').pluck(),
      pending: this.db.prepare(PENDING).pluck(),
      unsent: this.db.prepare(UNSENT).pluck(),
    };
  }

  messages(): number {
    return this.st.messages.get() as number;
  }

  pendingSessions(): number {
    return this.st.pending.get() as number;
  }

  unsentMessages(): number {
    return this.st.unsent.get() as number;
  }

  close(): void {
    this.db.close();
  }
}
