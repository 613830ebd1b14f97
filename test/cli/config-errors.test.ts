/**
 * Config mistakes are errors (issue 11, item 9), as a user meets them: the built CLI on a real config file.
 * An unknown section or key and a `--config` that does not exist stop every command with exit 78, naming the
 * file, the line and the nearest valid name; doctor tells "no config file" apart from "valid".
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeHome, type Home, run } from '../support/cli.js';

function withConfig(text: string): { home: Home; file: string } {
  const home = fakeHome();
  const file = path.join(home.root, 'config', 'aiobscura', 'config.toml');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return { home, file };
}

function problems(stderr: string): string[] {
  return stderr
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter(Boolean);
}

describe('unknown sections and keys', () => {
  it('[colector] stops every command with the file, the line and "did you mean [collector]?"', () => {
    const { home, file } = withConfig('# publishing\n\n[colector]\nenabled = true\n');
    for (const args of [['sync'], ['sessions'], ['collector', 'status'], ['stats']]) {
      const r = run(home, args);
      expect(r.code, args.join(' ')).toBe(78);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toBe(`aiobscura: invalid config ${file}:`);
      expect(problems(r.stderr)).toEqual([
        '[colector] (line 3): not a section aiobscura knows; did you mean [collector]? the sections are ' +
          '[database], [sources], [sync], [collector]',
      ]);
    }
    expect(fs.existsSync(home.db)).toBe(false);
  });

  it('an unknown top-level key, a misplaced key and a typo inside a section are each named', () => {
    const { home } = withConfig(
      'databse = "x.db"\npoll_ms = 500\n\n[sources]\nclaude_dri = "/x"\nidle_close_secs = 5\n\n[sync]\npol_ms = 100\n\n[zzz]\nq = 1\n',
    );
    const r = run(home, ['sync']);
    expect(r.code).toBe(78);
    expect(problems(r.stderr)).toEqual([
      'databse (line 1): unknown key at the top level; did you mean the [database] section? every key belongs ' +
        'in one of [database], [sources], [sync], [collector]',
      'poll_ms (line 2): belongs in the [sync] section (write it below [sync])',
      'sources.claude_dri (line 5): unknown key; did you mean sources.claude_dir?',
      'sources.idle_close_secs (line 6): unknown key; idle_close_secs belongs in the [sync] section',
      'sync.pol_ms (line 9): unknown key; did you mean sync.poll_ms?',
      '[zzz] (line 11): not a section aiobscura knows; the sections are [database], [sources], [sync], [collector]',
    ]);
  });

  it('an unknown [collector] key gets the suggestion too, together with an invalid value', () => {
    const { home } = withConfig('[collector]\nsever_url = "http://127.0.0.1:1"\ntimeout_secs = -1\n');
    const r = run(home, ['collector', 'status']);
    expect(r.code).toBe(78);
    const lines = problems(r.stderr);
    expect(lines[0]).toBe('collector.sever_url (line 2): unknown key; did you mean collector.server_url?');
    expect(lines[1]).toMatch(/^collector\.timeout_secs: /);
    expect(lines).toHaveLength(2);
  });

  it('a valid file with every section is accepted', () => {
    const { home } = withConfig(
      '[database]\npath = "~/x.db"\n[sources]\ncodex_dir = "~/.codex"\n[sync]\npoll_ms = 500\nidle_close_secs = 5\n' +
        '[collector]\nenabled = false\n',
    );
    const r = run(home, ['sync', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(home.root, 'x.db'))).toBe(true);
  });
});

describe('--config', () => {
  it('naming a file that does not exist is an error, for every command', () => {
    const home = fakeHome();
    const missing = path.join(home.root, 'typo.toml');
    for (const args of [['sync'], ['sessions'], ['collector', 'status']]) {
      const r = run(home, ['--config', missing, ...args]);
      expect(r.code, args.join(' ')).toBe(78);
      expect(r.stderr).toBe(
        `aiobscura: config file ${missing} (given with --config) does not exist; create it, correct the path, ` +
          'or leave --config out to use the default file\n',
      );
    }
    expect(fs.existsSync(home.db)).toBe(false);
  });

  it('an existing file is read', () => {
    const home = fakeHome();
    const file = path.join(home.root, 'elsewhere.toml');
    const db = path.join(home.root, 'from-config.db');
    fs.writeFileSync(file, `[database]\npath = ${JSON.stringify(db)}\n`);
    expect(run(home, ['--config', file, 'sync']).code).toBe(0);
    expect(fs.existsSync(db)).toBe(true);
  });
});

describe('doctor and the config file', () => {
  const doctorConfig = (home: Home, args: string[] = []) => {
    const r = run(home, [...args, 'doctor', '--json']);
    return {
      code: r.code,
      check: JSON.parse(r.stdout).checks.find((c: { check: string }) => c.check === 'config'),
    };
  };

  it('no file: "no config file (defaults)", not "valid"', () => {
    const home = fakeHome();
    const expected = path.join(home.root, 'config', 'aiobscura', 'config.toml');
    const { check } = doctorConfig(home);
    expect(check).toEqual({
      status: 'ok',
      check: 'config',
      detail: `no config file (defaults; ${expected} would be read)`,
    });
  });

  it('a file: valid; a mistyped section: fail with the suggestion; a missing --config: fail', () => {
    const { home, file } = withConfig('[sync]\npoll_ms = 500\n');
    expect(doctorConfig(home).check).toEqual({ status: 'ok', check: 'config', detail: `${file} is valid` });
    fs.writeFileSync(file, '[colector]\n');
    const typo = doctorConfig(home);
    expect(typo.code).toBe(1);
    expect(typo.check.status).toBe('fail');
    expect(typo.check.detail).toContain(`invalid config ${file}: [colector] (line 1)`);
    expect(typo.check.detail).toContain('did you mean [collector]?');
    const missing = doctorConfig(home, ['--config', path.join(home.root, 'nope.toml')]);
    expect(missing.check.status).toBe('fail');
    expect(missing.check.detail).toContain('nope.toml (given with --config) does not exist');
  });
});
