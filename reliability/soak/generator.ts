/**
 * The soak's writer: appends real Claude Code records (bench/corpus-gen.ts's pool of corpus lines that produce
 * a message) to a fixed set of live session files, at a given rate.
 *
 * Each session walks the pool in corpus order from its own seeded starting point. Ids are refreshed per run
 * of `CHUNK` consecutive lines with one rewriter (bench/ids.ts), so the links inside a run survive: the
 * records of a split assistant message keep sharing their `message.id`, a tool result still names its call.
 * Every session id the corpus lines name is pinned to the live session's own id.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { appendPool, type PoolRecord } from '../../bench/corpus-gen.js';
import { IdRewriter, uuidFrom } from '../../bench/ids.js';
import { mulberry32 } from '../../test/support/catsyphon/faults.js';

/** Consecutive pool lines that share one id rewriter (and so keep their links). */
const CHUNK = 40;

interface LiveSession {
  id: string;
  file: string;
  next: number;
  inChunk: number;
  rewriter: IdRewriter;
  pin: Map<string, string>;
}

export class SoakWriter {
  private readonly pool: PoolRecord[];
  private readonly sessions: LiveSession[] = [];
  private turn = 0;
  records = 0;
  bytes = 0;

  /** Creates `count` empty session files under `<claudeDir>/projects/-soak-live/`. */
  constructor(claudeDir: string, count: number, seed: number) {
    this.pool = appendPool();
    if (this.pool.length === 0)
      throw new Error('no corpus record produces a message: is ../shared/corpus present?');
    const sourceIds = [...new Set(this.pool.map((r) => r.sessionId))];
    const random = mulberry32(seed);
    const dir = path.join(claudeDir, 'projects', '-soak-live');
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < count; i++) {
      const id = uuidFrom(createHash('sha1').update(`soak ${seed} ${i}`).digest('hex'));
      const file = path.join(dir, `${id}.jsonl`);
      fs.writeFileSync(file, '');
      const pin = new Map(sourceIds.map((s) => [s, id]));
      this.sessions.push({
        id,
        file,
        next: Math.floor(random() * this.pool.length),
        inChunk: 0,
        rewriter: new IdRewriter(pin),
        pin,
      });
    }
  }

  get sessionIds(): string[] {
    return this.sessions.map((s) => s.id);
  }

  private line(s: LiveSession): string {
    if (s.inChunk === CHUNK) {
      s.rewriter = new IdRewriter(s.pin);
      s.inChunk = 0;
    }
    const rec = this.pool[s.next % this.pool.length]!;
    s.next++;
    s.inChunk++;
    return `${s.rewriter.text(rec.line)}\n`;
  }

  /** Appends `n` records, spread round-robin over the sessions, one write per session. */
  append(n: number): void {
    const blocks = new Map<LiveSession, string[]>();
    for (let k = 0; k < n; k++) {
      const s = this.sessions[this.turn++ % this.sessions.length]!;
      const block = blocks.get(s) ?? [];
      if (block.length === 0) blocks.set(s, block);
      block.push(this.line(s));
    }
    for (const [s, block] of blocks) {
      const text = block.join('');
      fs.appendFileSync(s.file, text, 'latin1');
      this.bytes += Buffer.byteLength(text, 'latin1');
    }
    this.records += n;
  }
}

/** Appends at `perSecond` records/s (in ticks of 100 ms) until stopped. */
export class PacedWriter {
  private timer: NodeJS.Timeout | null = null;
  private started = 0;
  private written = 0;

  constructor(
    private readonly writer: SoakWriter,
    private readonly perSecond: number,
  ) {}

  start(): void {
    this.started = performance.now();
    this.written = 0;
    this.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - this.started) / 1000) * this.perSecond) - this.written;
      if (due <= 0) return;
      this.writer.append(due);
      this.written += due;
    }, 100);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
