/**
 * Runs one agent turn: its own process group (so a timeout ends the agent and everything it started),
 * stdin closed, stdout/stderr to files. With `trace`, under `strace -f -e trace=connect` so every connection
 * the agent attempted can be listed afterwards.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { Command } from './spec.js';

export interface TurnResult {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  ms: number;
  stdout: string;
  stderr: string;
}

export async function runTurn(
  cmd: Command,
  opts: { cwd: string; timeoutMs: number; logBase: string; trace: string | null },
): Promise<TurnResult> {
  const file = opts.trace ? 'strace' : cmd.file;
  const args = opts.trace
    ? ['-f', '-qq', '-e', 'trace=connect', '-o', opts.trace, cmd.file, ...cmd.args]
    : cmd.args;
  const t = Date.now();
  const child = spawn(file, args, {
    cwd: opts.cwd,
    env: cmd.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => {
    stdout += b;
  });
  child.stderr.on('data', (b: Buffer) => {
    stderr += b;
  });
  let timedOut = false;
  const killGroup = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup('SIGTERM');
    setTimeout(() => killGroup('SIGKILL'), 3000).unref();
  }, opts.timeoutMs);
  const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.on('error', (e) => {
      stderr += `\nspawn failed: ${e.message}`;
      resolve({ code: null, signal: null });
    });
    child.on('close', (c, s) => resolve({ code: c, signal: s }));
  });
  clearTimeout(timer);
  // Whatever the agent left behind in its group (a language server, a background shell) ends with it.
  killGroup('SIGKILL');
  fs.writeFileSync(`${opts.logBase}.stdout`, stdout);
  fs.writeFileSync(`${opts.logBase}.stderr`, stderr);
  return { code, signal, timedOut, ms: Date.now() - t, stdout, stderr };
}

/** How many connect() calls an strace log holds (the proof the trace ran). */
export function tracedConnects(traceFile: string): number {
  if (!fs.existsSync(traceFile)) return 0;
  return fs
    .readFileSync(traceFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes('connect(')).length;
}

/** Connections in an strace log, other than to 127.0.0.1 / ::1 / unix sockets. */
export function foreignConnects(traceFile: string): string[] {
  if (!fs.existsSync(traceFile)) return [];
  const out = new Set<string>();
  for (const line of fs.readFileSync(traceFile, 'utf8').split('\n')) {
    if (!line.includes('connect(')) continue;
    if (line.includes('AF_UNIX') || line.includes('AF_NETLINK')) continue;
    const v4 = /sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)/.exec(line);
    const v6 = /sin6_port=htons\((\d+)\).*inet_pton\(AF_INET6, "([^"]+)"/.exec(line);
    const m = v4 ?? v6;
    if (!m) {
      if (/AF_INET/.test(line)) out.add(line.trim().slice(0, 160));
      continue;
    }
    const [, port, addr] = m;
    if (addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1') continue;
    out.add(`${addr}:${port}`);
  }
  return [...out];
}
