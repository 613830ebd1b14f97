/**
 * Test-only phase markers (`AIOBSCURA_PHASE_FILE`, never set in normal use). The reliability suite's chaos run
 * kills the daemon with SIGKILL and needs proof of where the kill landed: the daemon appends `B <phase>` when
 * a phase starts and `E <phase>` when it ends, so a `B` without its `E` at the end of the file proves the
 * process died inside that phase. Each line is one synchronous `write(2)` on a descriptor opened once in append
 * mode: it is in the file before the next statement runs, and a SIGKILL cannot leave half a line.
 */
import fs from 'node:fs';

/** Appends one marker line; absent (undefined) when no marker file is configured, which costs nothing. */
export type PhaseMarker = (line: string) => void;

export function openPhaseMarker(file: string | null): PhaseMarker | undefined {
  if (file === null) return undefined;
  const fd = fs.openSync(file, 'a');
  return (line) => {
    fs.writeSync(fd, `${line}\n`);
  };
}
