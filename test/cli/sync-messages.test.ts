/**
 * What sync tells a person (issue 11, items 13 and 16): on a real pseudo-terminal (`script` from util-linux)
 * `sync --watch` names the directories it watches and how to stop, and says that it stopped; a missing log
 * directory is named in every summary (one-shot and watch, text and JSON); counts have their plural right.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, exited, fakeHome, type Home, run, start, waitFor } from '../support/cli.js';
import { promptLines } from '../support/prompt-log.js';
import { spawn } from '../support/spawn.js';

const claudeHome = (home: Home) => path.join(home.root, '.claude');
const codexHome = (home: Home) => path.join(home.root, '.codex');

/** Runs the CLI with stdout and stderr on one pseudo-terminal; `output` is everything it wrote there. */
function onTerminal(home: Home, args: string[]): { child: ChildProcess; output: () => string } {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: { ...home.env, SHELL: '/bin/sh' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString('utf8');
  });
  return { child, output: () => output.replaceAll('\r', '') };
}

function writeSession(home: Home, name: string, text: string): string {
  const dir = path.join(home.claudeProjects, '-w');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('sync --watch on a terminal', () => {
  it('says what it watches and how to stop, and that it stopped (Ctrl-C), exit 0', async () => {
    const home = fakeHome();
    fs.rmSync(codexHome(home), { recursive: true });
    writeSession(home, 's.jsonl', promptLines(3));
    // Named on the command line, the missing Codex directory is a mistake to point out; the other agents'
    // default places only do not exist on this machine.
    const t = onTerminal(home, ['--codex-dir', codexHome(home), 'sync', '--watch', '--poll', '200']);
    try {
      await waitFor(() => t.output().includes('press Ctrl-C to stop'));
      const pid = Number(fs.readFileSync(`${home.db}.lock.pid`, 'utf8'));
      process.kill(pid, 'SIGINT');
      expect((await exited(t.child)).code).toBe(0);
    } finally {
      t.child.kill('SIGKILL');
    }
    const out = t.output();
    expect(out).toContain(
      `aiobscura: watching ${claudeHome(home)} (Claude Code), ${codexHome(home)} (Codex, not there yet), and ` +
        'the default places of Gemini CLI, OpenCode, GitHub Copilot CLI, pi, Qwen Code once they appear for ' +
        'changes, with a full rescan every 200 ms.\naiobscura: press Ctrl-C to stop (what was read is stored either way).\n',
    );
    expect(out).toContain('aiobscura: stopped (Ctrl-C): everything read is stored');
    // The first pass line came before, with the missing directory named in it.
    expect(out).toMatch(
      new RegExp(
        `Z 1 file read, 3 messages, 0 warnings; ${codexHome(home).replaceAll('/', '\\/')} does not exist\\n`,
      ),
    );
  });

  it('without a terminal (a service), prints none of that', async () => {
    const home = fakeHome();
    writeSession(home, 's.jsonl', promptLines(2));
    const daemon = start(home, ['sync', '--watch', '--poll', '200']);
    let stderr = '';
    daemon.stderr!.on('data', (d) => {
      stderr += d;
    });
    try {
      await waitFor(() => fs.existsSync(`${home.db}.lock.pid`));
      await new Promise((r) => setTimeout(r, 300));
      daemon.kill('SIGTERM');
      expect((await exited(daemon)).code).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
    expect(stderr).toBe('');
  });
});

describe('a missing log directory is named in every summary', () => {
  it('one-shot text and JSON: which assistant, which path, which key', () => {
    const home = fakeHome();
    fs.rmSync(codexHome(home), { recursive: true });
    // At its default place, an absent directory only means the agent is not used here: named on one line.
    const text = run(home, ['sync']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('  files     0 found');
    expect(text.stdout).toContain(
      `  absent    no logs here of Codex (${codexHome(home)}), Gemini CLI (${path.join(home.root, '.gemini')}), `,
    );
    expect(text.stdout).not.toContain('  missing ');
    // Named by the user (a flag, a config key, the agent's own variable), it is a mistake, with its fix.
    const named = run(home, ['--codex-dir', codexHome(home), 'sync']);
    expect(named.stdout).toContain(
      `  missing   Codex log directory ${codexHome(home)} does not exist (set sources.codex_dir or --codex-dir if the logs are elsewhere)\n`,
    );
    expect(named.stdout).not.toContain('Claude Code log directory');
    fs.rmSync(claudeHome(home), { recursive: true });
    const first = (r: { stdout: string }) =>
      (JSON.parse(r.stdout).missing_dirs as { assistant: string }[]).filter((d) =>
        ['claude', 'codex'].includes(d.assistant),
      );
    expect(first(run(home, ['--codex-dir', codexHome(home), 'sync', '--json']))).toEqual([
      { assistant: 'claude', path: claudeHome(home), key: 'sources.claude_dir', explicit: false },
      { assistant: 'codex', path: codexHome(home), key: 'sources.codex_dir', explicit: true },
    ]);
    fs.mkdirSync(codexHome(home));
    expect(first(run(home, ['sync', '--json']))).toEqual([
      { assistant: 'claude', path: claudeHome(home), key: 'sources.claude_dir', explicit: false },
    ]);
  });

  it('every watch pass in JSON carries it, until the directory appears', async () => {
    const home = fakeHome();
    fs.rmSync(codexHome(home), { recursive: true });
    writeSession(home, 's.jsonl', promptLines(1));
    const daemon = start(home, ['sync', '--watch', '--poll', '100', '--json']);
    let stdout = '';
    daemon.stdout!.on('data', (d) => {
      stdout += d;
    });
    const passes = () =>
      stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { missing_dirs: { path: string }[] });
    try {
      await waitFor(() => passes().length >= 3);
      const codex = (p: { missing_dirs: { path: string }[] }) =>
        p.missing_dirs.map((d) => d.path).filter((d) => d === codexHome(home));
      for (const p of passes()) expect(codex(p)).toEqual([codexHome(home)]);
      fs.mkdirSync(codexHome(home));
      const seen = passes().length;
      await waitFor(() => passes().length >= seen + 2);
      expect(codex(passes().at(-1)!)).toEqual([]);
      daemon.kill('SIGTERM');
      expect((await exited(daemon)).code).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
  });
});

describe('counts in the right number', () => {
  it('one-shot: "from 1 line"; a watch pass: "1 file read, 1 message, 1 warning"; stats: "1 session"', async () => {
    const home = fakeHome();
    const file = writeSession(home, 's.jsonl', promptLines(1));
    expect(run(home, ['sync']).stdout).toContain('  messages  1 new from 1 line\n');
    const daemon = start(home, ['sync', '--watch', '--poll', '100']);
    let stdout = '';
    daemon.stdout!.on('data', (d) => {
      stdout += d;
    });
    try {
      await waitFor(() => fs.existsSync(`${home.db}.lock.pid`));
      // One more prompt and one broken line: one message and one warning, in one pass.
      fs.appendFileSync(file, `${promptLines(2).split('\n')[1]}\n{"broken\n`);
      await waitFor(() => /Z \d+ files? read/.test(stdout));
      daemon.kill('SIGTERM');
      expect((await exited(daemon)).code).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
    expect(stdout).toMatch(/Z 1 file read, 1 message, 1 warning\n/);
    const stats = run(home, ['stats', '--by', 'assistant']).stdout;
    expect(stats.split('\n')[0]).toBe('1 session, 2 messages from 1 file, 1 warning');
    expect(stats.split('\n')[1]).toMatch(
      /: \d+\.\d KiB \(\d+\.\d KiB \+ (\d+ bytes|\d+\.\d KiB) write-ahead log\)$/,
    );
  });
});
