/**
 * Finds the processes a test run left behind: every process whose environment carries the run's marker
 * (`AIOBSCURA_TEST_RUN=<run id>`, set on every child by test/support/spawn.ts and inherited by grandchildren).
 * Linux's /proc shows each process's environment as it was at exec, so the test workers themselves, which set
 * the marker in `process.env` after they started, are never found; only the children they spawned are.
 */
import fs from 'node:fs';
import { TEST_FILE_VAR, TEST_RUN_VAR } from './spawn.js';

export interface Leftover {
  pid: number;
  command: string;
  /** The test file that spawned it (`AIOBSCURA_TEST_FILE`). */
  testFile: string;
}

function readProc(pid: string, file: string): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return null; // gone meanwhile, or another user's process
  }
}

/** Whether this platform lets us look (Linux /proc); elsewhere the check says so instead of passing. */
export function canScanProcesses(): boolean {
  return fs.existsSync('/proc/self/environ');
}

/** Live processes (not zombies: their environ reads empty) carrying `runId`, other than this process. */
export function processesOfRun(runId: string): Leftover[] {
  const marker = `${TEST_RUN_VAR}=${runId}`;
  const found: Leftover[] = [];
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const environ = readProc(pid, 'environ');
    if (!environ) continue;
    const vars = environ.split('\0');
    if (!vars.includes(marker)) continue;
    const file = vars.find((v) => v.startsWith(`${TEST_FILE_VAR}=`))?.slice(TEST_FILE_VAR.length + 1);
    const command = (readProc(pid, 'cmdline') ?? '').split('\0').filter(Boolean).join(' ');
    found.push({ pid: Number(pid), command, testFile: file ?? 'unknown test file' });
  }
  return found;
}

/**
 * The run's processes still alive after `graceMs` (a test may have signalled a child without waiting for it to
 * exit), each then killed with SIGKILL so that it cannot outlive the run.
 */
export async function reapLeftovers(runId: string, graceMs = 3_000): Promise<Leftover[]> {
  const until = Date.now() + graceMs;
  let left = processesOfRun(runId);
  while (left.length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    left = processesOfRun(runId);
  }
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // exited between the scan and the kill: still reported, it outlived its test
    }
  }
  return left;
}
