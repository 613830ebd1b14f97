/**
 * How much of the machine something else used while a row ran. The bench shares its 2 cores with whatever else
 * runs, and a figure taken while another process burns a core is not the product's figure. Machine-wide busy
 * time comes from `/proc/stat`; our own is the bench process plus every child it has reaped (`cutime`/`cstime`
 * in `/proc/self/stat`), which covers the CLI runs, the busy-loop child and the watch daemon.
 */
import fs from 'node:fs';

/** `USER_HZ`: the unit of both files on Linux. */
const TICKS_PER_SECOND = 100;

interface Snapshot {
  wallMs: number;
  machineTicks: number;
  ownTicks: number;
}

export interface ForeignLoad {
  /** Average cores busy with processes outside this bench (including hypervisor steal). */
  foreignCores: number;
  /** Average cores this bench and its children used. */
  ownCores: number;
}

function machineBusyTicks(): number {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
  return user + nice + system + irq + softirq + steal;
}

function ownTicks(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  // utime, stime, cutime, cstime are fields 14–17, i.e. indexes 11–14 after the command name.
  return (f[11] ?? 0) + (f[12] ?? 0) + (f[13] ?? 0) + (f[14] ?? 0);
}

export function loadSnapshot(): Snapshot | null {
  try {
    return { wallMs: performance.now(), machineTicks: machineBusyTicks(), ownTicks: ownTicks() };
  } catch {
    return null; // not Linux
  }
}

export function foreignLoadSince(start: Snapshot | null): ForeignLoad | null {
  const end = loadSnapshot();
  if (start === null || end === null) return null;
  const seconds = (end.wallMs - start.wallMs) / 1000;
  const machine = (end.machineTicks - start.machineTicks) / TICKS_PER_SECOND;
  const own = (end.ownTicks - start.ownTicks) / TICKS_PER_SECOND;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { foreignCores: r(Math.max(0, machine - own) / seconds), ownCores: r(own / seconds) };
}
