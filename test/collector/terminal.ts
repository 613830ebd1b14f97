/** Runs the compiled CLI on a real pseudo-terminal (`script`), for what a person at a terminal sees. */

import { CLI, type Home } from '../support/cli.js';
import { spawn } from '../support/spawn.js';

export interface TerminalRun {
  code: number | null;
  /** stdout and stderr as the terminal showed them (escape sequences included). */
  output: string;
}

export interface Answer {
  /** Typed once this text appears (after the previous answer's prompt). */
  prompt: string;
  answer: string;
}

/** Each answer is typed once its prompt appears, in order (y/N questions). */
export function onTerminal(
  home: Home,
  args: string[],
  opts: { answers?: Answer[]; env?: NodeJS.ProcessEnv } = {},
): Promise<TerminalRun> {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: { ...home.env, ...opts.env, SHELL: '/bin/sh' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const answers = [...(opts.answers ?? [])];
  let seen = 0;
  const collect = (d: Buffer) => {
    output += d.toString('utf8');
    const next = answers[0];
    const at = next ? output.indexOf(next.prompt, seen) : -1;
    if (next && at >= 0) {
      seen = at + next.prompt.length;
      answers.shift();
      child.stdin!.write(`${next.answer}\n`);
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}
