/**
 * One life of `aiobscura sync --watch`: the compiled CLI in its own process with a fake home, its phase-marker
 * file (AIOBSCURA_PHASE_FILE) read incrementally so the harness knows which phases are open right now, and, after
 * it died, which were open at the moment of death (the proof of where a SIGKILL landed).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../test/support/corpus.js';
import { spawn } from '../../test/support/spawn.js';

export const CLI = path.join(REPO_ROOT, 'dist', 'bundle', 'cli', 'main.js');

export type CrashPoint = 'after-202-before-commit' | 'after-message-insert-before-commit' | 'between-batches';
export const CRASH_POINTS: readonly CrashPoint[] = [
  'after-202-before-commit',
  'after-message-insert-before-commit',
  'between-batches',
];

/** The phases a marker file says are open: ingest transaction and HTTP requests in flight (by number). */
export class MarkerReader {
  private offset = 0;
  private rest = '';
  txnOpen = false;
  readonly httpOpen = new Set<string>();
  httpBegun = 0;
  private readonly fd: number;

  constructor(readonly file: string) {
    fs.writeFileSync(file, '');
    this.fd = fs.openSync(file, 'r');
  }

  /** Reads what was appended since the last call; returns the number of `B http` lines among it. */
  poll(): number {
    const buf = Buffer.alloc(64 * 1024);
    let began = 0;
    for (;;) {
      const n = fs.readSync(this.fd, buf, 0, buf.length, this.offset);
      if (n === 0) break;
      this.offset += n;
      const text = this.rest + buf.toString('latin1', 0, n);
      const lines = text.split('\n');
      this.rest = lines.pop()!;
      for (const l of lines) {
        if (l === 'B txn') this.txnOpen = true;
        else if (l === 'E txn') this.txnOpen = false;
        else if (l.startsWith('B http ')) {
          this.httpOpen.add(l.slice(7));
          began++;
        } else if (l.startsWith('E http ')) this.httpOpen.delete(l.slice(7));
      }
    }
    this.httpBegun += began;
    return began;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

export interface Life {
  child: ChildProcess;
  marker: MarkerReader;
  /** Resolves with how the process ended. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

export function startDaemon(
  env: NodeJS.ProcessEnv,
  dir: string,
  n: number,
  crashAt: CrashPoint | null,
  extraEnv: NodeJS.ProcessEnv = {},
): Life {
  const marker = new MarkerReader(path.join(dir, `phases-${n}.log`));
  const out = fs.openSync(path.join(dir, `daemon-${n}.out`), 'w');
  const errFile = path.join(dir, `daemon-${n}.err`);
  const err = fs.openSync(errFile, 'w');
  const child = spawn(process.execPath, [CLI, 'sync', '--watch'], {
    env: {
      ...env,
      AIOBSCURA_PHASE_FILE: marker.file,
      ...(crashAt ? { AIOBSCURA_CRASH_AT: crashAt } : {}),
      ...extraEnv,
    },
    stdio: ['ignore', out, err],
  });
  fs.closeSync(out);
  fs.closeSync(err);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, marker, exit, stderr: () => fs.readFileSync(errFile, 'utf8') };
}
