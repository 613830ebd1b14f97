/**
 * `aiobscura service install|uninstall|status` as users run them, in a fake HOME. No test depends on a
 * running user systemd: loading is either skipped (`--no-load`) or pointed at a bus that cannot exist, which
 * is the container/CI situation the command must report clearly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, fakeHome, type Home, run } from '../support/cli.js';
import { parsePlist } from './plist.js';

/** No user bus anywhere: systemctl --user fails the way it does in a container, also on a desktop. */
function noBus(home: Home): NodeJS.ProcessEnv {
  const runtime = path.join(home.root, 'no-runtime');
  fs.mkdirSync(runtime, { recursive: true, mode: 0o700 });
  return {
    XDG_RUNTIME_DIR: runtime,
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(runtime, 'no-bus')}`,
  };
}

function unitFile(home: Home): string {
  return path.join(home.root, 'config', 'systemd', 'user', 'aiobscura.service');
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

describe('service install', () => {
  it('--dry-run prints the unit and touches nothing', () => {
    const home = fakeHome();
    const env = noBus(home);
    const before = listFiles(home.root);
    const r = run(
      home,
      ['--db', path.join(home.root, 'elsewhere.db'), 'service', 'install', '--dry-run'],
      env,
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`# would write ${unitFile(home)}\n`);
    expect(r.stdout).toMatch(/^# Written by `aiobscura service install`/);
    expect(r.stdout).toContain(
      `ExecStart=${process.execPath} ${CLI} --db ${path.join(home.root, 'elsewhere.db')} sync --watch --no-progress`,
    );
    expect(r.stdout).toContain(`Environment="HOME=${home.root}"`);
    expect(r.stdout).toContain(`Environment="XDG_CONFIG_HOME=${home.env.XDG_CONFIG_HOME}"`);
    expect(listFiles(home.root)).toEqual(before);
  });

  it('--no-load writes the unit under XDG_CONFIG_HOME and says how to start it', () => {
    const home = fakeHome();
    const r = run(home, ['service', 'install', '--no-load']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${unitFile(home)}`);
    expect(r.stdout).toContain('systemctl --user enable --now aiobscura.service');
    const dry = run(home, ['service', 'install', '--dry-run']);
    expect(fs.readFileSync(unitFile(home), 'utf8')).toBe(dry.stdout);
  });

  it('without a usable systemctl --user: the file is written, loading fails visibly, exit 1', () => {
    const home = fakeHome();
    const r = run(home, ['service', 'install'], noBus(home));
    expect(r.code).toBe(1);
    expect(fs.existsSync(unitFile(home))).toBe(true);
    expect(r.stdout).toContain('FAIL  systemctl --user daemon-reload');
    expect(r.stderr).toContain('loading it failed');
    expect(r.stderr).toContain(
      'systemctl --user daemon-reload\n  systemctl --user enable --now aiobscura.service',
    );
  });

  it('launchd: the agent plist and its log directory in the fake HOME', () => {
    const home = fakeHome();
    const r = run(home, ['service', 'install', '--platform', 'launchd', '--no-load', '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    const plistFile = path.join(home.root, 'Library', 'LaunchAgents', 'dev.aiobscura.sync.plist');
    expect(result).toMatchObject({ platform: 'launchd', file: plistFile, written: true, loaded: null });
    const plist = parsePlist(fs.readFileSync(plistFile, 'utf8')) as Record<string, unknown>;
    const log = path.join(home.root, 'Library', 'Logs', 'aiobscura', 'sync.log');
    expect(plist).toMatchObject({
      ProgramArguments: [process.execPath, CLI, 'sync', '--watch', '--no-progress'],
      StandardErrorPath: log,
      KeepAlive: { SuccessfulExit: false },
    });
    expect(fs.statSync(path.dirname(log)).isDirectory()).toBe(true);
  });

  it('never copies the API key into the unit', () => {
    const home = fakeHome();
    const key = 'cs_live_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
    const r = run(home, ['service', 'install', '--no-load'], { AIOBSCURA_COLLECTOR_API_KEY: key });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('AIOBSCURA_COLLECTOR_API_KEY is not copied');
    expect(fs.readFileSync(unitFile(home), 'utf8')).not.toContain(key);
  });
});

describe('service status and uninstall', () => {
  it('not installed → installed (state unknown without a bus) → out of date → removed', () => {
    const home = fakeHome();
    const env = noBus(home);
    const none = run(home, ['service', 'status', '--json'], env);
    expect(none.code).toBe(4);
    expect(JSON.parse(none.stdout)).toMatchObject({ installed: false, upToDate: null, file: unitFile(home) });

    expect(run(home, ['service', 'install', '--no-load'], env).code).toBe(0);
    const installed = run(home, ['service', 'status', '--json'], env);
    expect(installed.code).toBe(1);
    expect(JSON.parse(installed.stdout)).toMatchObject({
      installed: true,
      upToDate: true,
      missing: [],
      state: 'unknown',
    });
    expect(JSON.parse(installed.stdout).detail).toMatch(/^systemctl --user is not usable here: /);

    // A node upgrade moved the binary away: status names it and the fix.
    const file = unitFile(home);
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace(process.execPath, '/opt/node-gone/bin/node'),
    );
    const stale = run(home, ['service', 'status'], env);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('differs from what `service install` would write now');
    expect(stale.stdout).toContain('missing    /opt/node-gone/bin/node no longer exists');

    const removed = run(home, ['service', 'uninstall', '--no-load'], env);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain(`removed ${file}`);
    expect(fs.existsSync(file)).toBe(false);
    const again = run(home, ['service', 'uninstall', '--no-load'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('not installed');
  });

  it('uninstall without a bus removes the file and says that stopping failed, exit 1', () => {
    const home = fakeHome();
    const env = noBus(home);
    expect(run(home, ['service', 'install', '--no-load'], env).code).toBe(0);
    const r = run(home, ['service', 'uninstall'], env);
    expect(r.code).toBe(1);
    expect(fs.existsSync(unitFile(home))).toBe(false);
    expect(r.stderr).toContain('systemctl --user disable --now aiobscura.service');
  });
});
