/**
 * The chaos run's writer: real corpus records (fresh ids per copy, bench/ids.ts) appended to many Claude Code and
 * Codex session files while the daemon is killed and restarted. A Claude Code session that has 2.1.x sub-agent
 * files (`<session>/subagents/agent-*.jsonl`, whose responses hold parallel tool calls written around their
 * results) is copied with them, all under the same fresh ids. A copy of a corpus file is streamed a few lines
 * at a time, so one assistant response's records (split across lines sharing `message.id`) land in different
 * appends; some appends are torn (half a line, a pause, the rest), and bursts of many lines make long ingest
 * transactions. Every complete line written is kept in a ledger (file → SHA-1 of each line, in order).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { IdRewriter } from '../../bench/ids.js';
import { type SourceFile, sourceFiles } from '../../bench/sources.js';
import { mulberry32 } from '../../test/support/catsyphon/faults.js';

/** One file of a copy being written. */
interface Part {
  lines: string[];
  next: number;
  file: string;
}

/** A copy of a corpus session: its main file and, for Claude Code, its sub-agent files, sharing fresh ids. */
interface Stream {
  parts: Part[];
  rw: IdRewriter;
  /** A torn line is being completed: no other write may go to this file meanwhile. */
  busy: boolean;
}

export interface GeneratorStats {
  files: number;
  lines: number;
  bytes: number;
  torn: number;
  bursts: number;
}

/** Lines that are complete JSON records (a corrupt real line would be a warning, not a record to count). */
function usableLines(file: string): string[] {
  return fs
    .readFileSync(file, 'latin1')
    .split('\n')
    .filter((l) => {
      if (l.trim() === '' || l.endsWith('\r')) return false;
      try {
        JSON.parse(Buffer.from(l, 'latin1').toString('utf8'));
        return true;
      } catch {
        return false;
      }
    });
}

export class Generator {
  /** file → SHA-1 (hex) of every complete line written, in order. */
  readonly ledger = new Map<string, string[]>();
  readonly stats: GeneratorStats = { files: 0, lines: 0, bytes: 0, torn: 0, bursts: 0 };
  private readonly streams: Stream[] = [];
  private readonly sources: {
    src: SourceFile;
    lines: string[];
    agents: { src: SourceFile; lines: string[] }[];
  }[];
  private readonly random: () => number;
  private copies = 0;
  private readonly pendingTears = new Set<Promise<void>>();

  constructor(
    private readonly claudeDir: string,
    private readonly codexDir: string,
    readonly sessions: number,
    seed: number,
  ) {
    this.random = mulberry32(seed ^ 0x5eed);
    const all = sourceFiles();
    const withLines = (src: SourceFile) => ({ src, lines: usableLines(src.file) });
    const agentsOf = (main: SourceFile) => {
      const session = main.rel.replace(/\.jsonl$/, '/subagents/');
      return all
        .filter((a) => a.role === 'agent' && a.rel.startsWith(session))
        .map(withLines)
        .filter((a) => a.lines.length > 0);
    };
    this.sources = all
      .filter((s) => s.role === 'main')
      .map((src) => ({ ...withLines(src), agents: src.assistant === 'claude' ? agentsOf(src) : [] }))
      .filter((s) => s.lines.length > 0);
    if (
      !this.sources.some((s) => s.src.assistant === 'codex') ||
      !this.sources.some((s) => s.src.assistant === 'claude')
    )
      throw new Error('the corpus must hold Claude and Codex session files (is ../shared/corpus present?)');
    for (let i = 0; i < sessions; i++) this.streams.push(this.newStream(i));
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  /**
   * A fresh copy of a corpus session: every third stream is Codex, the rest Claude Code, and every other
   * Claude Code one a session with sub-agent files.
   */
  private newStream(slot: number): Stream {
    const codex = slot % 3 === 2;
    const family = !codex && slot % 2 === 0 && this.sources.some((s) => s.agents.length > 0);
    const source = this.pick(
      this.sources.filter((s) => (s.src.assistant === 'codex') === codex && (!family || s.agents.length > 0)),
    );
    const rw = new IdRewriter();
    const copy = this.copies++;
    const session = rw.uuid(source.src.sessionUuid);
    const file = codex
      ? path.join(
          this.codexDir,
          'sessions',
          '2026',
          '01',
          '01',
          `rollout-${source.src.inner}-${session}.jsonl`,
        )
      : path.join(this.claudeDir, 'projects', `-chaos-c${copy}`, `${session}.jsonl`);
    const parts: Part[] = [{ lines: source.lines, next: 0, file }];
    for (const a of source.agents) {
      // Claude Code 2.1.x: <project>/<session>/subagents/agent-<id>.jsonl, next to <session>.jsonl.
      const below = a.src.rel.slice(a.src.rel.indexOf('/subagents/') + 1);
      parts.push({ lines: a.lines, next: 0, file: path.join(path.dirname(file), session, below) });
    }
    // A file enters the ledger with its first line: a sub-agent file may not exist yet when the run ends.
    for (const p of parts) fs.mkdirSync(path.dirname(p.file), { recursive: true });
    this.stats.files += parts.length;
    return { parts, rw, busy: false };
  }

  /**
   * The file of the copy being written, or null when the copy is complete. Files are written one after
   * another (main, then each sub-agent), each at the pace of a lone file: spread over several files, one
   * response's pieces would lie further apart than `idle_close_secs`, which no agent does (and which closes
   * the group before its last piece, as designed).
   */
  private partOf(s: Stream): Part | null {
    return s.parts.find((p) => p.next < p.lines.length) ?? null;
  }

  private lineAt(s: Stream, p: Part): string {
    return s.rw.text(p.lines[p.next]!);
  }

  private record(p: Part, lines: string[]): void {
    const ledger = this.ledger.get(p.file) ?? [];
    this.ledger.set(p.file, ledger);
    for (const l of lines) {
      ledger.push(createHash('sha1').update(Buffer.from(l, 'latin1')).digest('hex'));
      this.stats.lines++;
      this.stats.bytes += l.length + 1;
    }
  }

  /** Replaces a finished stream (its corpus file fully copied) with a new copy in the same slot. */
  private idle(slot: number): Stream | null {
    let s = this.streams[slot]!;
    if (s.busy) return null;
    if (this.partOf(s) === null) {
      s = this.newStream(slot);
      this.streams[slot] = s;
    }
    return s;
  }

  /** One random step: a few whole lines, or a torn line finished `tearMs` later. */
  step(tearMs: number): void {
    const slot = Math.floor(this.random() * this.streams.length);
    const s = this.idle(slot);
    if (!s) return;
    const p = this.partOf(s)!;
    if (this.random() < 0.15) {
      const line = `${this.lineAt(s, p)}\n`;
      p.next++;
      const cut = 1 + Math.floor(this.random() * (line.length - 2));
      fs.appendFileSync(p.file, line.slice(0, cut), 'latin1');
      s.busy = true;
      this.stats.torn++;
      const done = new Promise<void>((resolve) =>
        setTimeout(() => {
          fs.appendFileSync(p.file, line.slice(cut), 'latin1');
          this.record(p, [line.slice(0, -1)]);
          s.busy = false;
          this.pendingTears.delete(done);
          resolve();
        }, tearMs * this.random()),
      );
      this.pendingTears.add(done);
      return;
    }
    this.append(s, p, 1 + Math.floor(this.random() * 4));
  }

  /** Many lines at once to one file, so the daemon's next ingest transactions are long (≥ ~`bytes`). */
  burst(bytes: number): void {
    const slots = this.streams.map((_s, i) => i).filter((i) => !this.streams[i]!.busy);
    if (slots.length === 0) return;
    let left = bytes;
    const s = this.idle(this.pick(slots))!;
    const p = this.partOf(s)!;
    const lines: string[] = [];
    while (left > 0 && p.next < p.lines.length) {
      const l = this.lineAt(s, p);
      p.next++;
      lines.push(l);
      left -= l.length + 1;
    }
    this.write(p, lines);
    this.stats.bursts++;
  }

  private append(s: Stream, p: Part, n: number): void {
    const lines: string[] = [];
    for (let i = 0; i < n && p.next < p.lines.length; i++) {
      lines.push(this.lineAt(s, p));
      p.next++;
    }
    this.write(p, lines);
  }

  private write(p: Part, lines: string[]): void {
    if (lines.length === 0) return;
    fs.appendFileSync(p.file, `${lines.join('\n')}\n`, 'latin1');
    this.record(p, lines);
  }

  /** Waits for every torn line to be completed: afterwards each file ends with a whole line. */
  async settle(): Promise<void> {
    while (this.pendingTears.size > 0) await Promise.all([...this.pendingTears]);
  }
}
