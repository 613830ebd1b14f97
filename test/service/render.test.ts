/**
 * The unit and the agent as pure functions of the spec, checked by the tools that read them: the systemd
 * unit by `systemd-analyze --user verify` (systemd's own parser), the plist by a strict XML reader.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  renderLaunchdPlist,
  renderSystemdUnit,
  type ServiceSpec,
  serviceSpec,
  systemdUnitPath,
} from '../../src/service/index.js';
import { installedProgram } from '../../src/service/manager.js';
import { CLI } from '../support/cli.js';
import { spawnSync } from '../support/spawn.js';
import { parsePlist } from './plist.js';

/** Every character the two formats treat specially, in a path and an environment value. */
const AWKWARD = `/tmp/a b/c"d'e\\f%g$h&i<j>k`;

function spec(extra: Partial<Parameters<typeof serviceSpec>[0]> = {}): ServiceSpec {
  return serviceSpec({
    node: process.execPath,
    cli: CLI,
    globals: { config: `${AWKWARD}/config.toml`, db: 'rel/data.db' },
    env: {
      HOME: AWKWARD,
      XDG_DATA_HOME: '/x/data',
      AIOBSCURA_COLLECTOR_API_KEY: 'cs_live_secret',
      PATH: '/bin',
    },
    cwd: '/work dir',
    ...extra,
  });
}

describe('the spec', () => {
  it('runs sync --watch with absolute paths and only the path and collector variables', () => {
    const s = spec();
    expect(s.args).toEqual([
      '--config',
      `${AWKWARD}/config.toml`,
      '--db',
      '/work dir/rel/data.db',
      'sync',
      '--watch',
      '--no-progress',
    ]);
    // The API key never goes into a unit file; PATH is not needed (absolute paths).
    expect(s.env).toEqual({ HOME: AWKWARD, XDG_DATA_HOME: '/x/data' });
  });
});

describe('systemd unit', () => {
  it('lives under XDG_CONFIG_HOME when set, ~/.config otherwise', () => {
    expect(systemdUnitPath({ HOME: '/h', XDG_CONFIG_HOME: '/c' })).toBe('/c/systemd/user/aiobscura.service');
    expect(systemdUnitPath({ HOME: '/h' })).toBe('/h/.config/systemd/user/aiobscura.service');
  });

  it('quotes arguments so the command line reads back word for word', () => {
    const unit = renderSystemdUnit(spec());
    expect(unit).toContain('Restart=on-failure');
    expect(unit).toContain('ExecReload=/bin/kill -HUP $MAINPID');
    expect(unit).toContain('WantedBy=default.target');
    expect(installedProgram(unit, 'systemd')).toEqual([process.execPath, CLI]);
    const awkward = renderSystemdUnit({ ...spec(), node: `${AWKWARD}/node`, cli: `${AWKWARD}/main.js` });
    expect(installedProgram(awkward, 'systemd')).toEqual([`${AWKWARD}/node`, `${AWKWARD}/main.js`]);
    expect(() => renderSystemdUnit({ ...spec(), args: ['a\nb'] })).toThrow(/line break/);
  });

  it('passes systemd-analyze --user verify without a warning; a broken unit does not', (ctx) => {
    const which = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (which.error) {
      ctx.skip(`systemd-analyze is not installed here (${which.error.message}): the unit was not verified`);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-unit-'));
    // `--user` needs a runtime directory; without a user session (containers, CI) a private one serves.
    const runtime = path.join(dir, 'runtime');
    fs.mkdirSync(runtime, { mode: 0o700 });
    const verify = (text: string) => {
      const file = path.join(dir, 'aiobscura.service');
      fs.writeFileSync(file, text);
      return spawnSync('systemd-analyze', ['--user', 'verify', file], {
        encoding: 'utf8',
        env: { ...process.env, XDG_RUNTIME_DIR: runtime },
      });
    };
    const good = verify(renderSystemdUnit(spec()));
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
    // The same check catches what a rendering mistake would produce, so it can fail.
    const typo = verify(renderSystemdUnit(spec()).replace('Restart=on-failure', 'Restart=on-failur'));
    expect(typo.stderr).toMatch(/restart specifier/i);
    const gone = verify(renderSystemdUnit({ ...spec(), node: '/nonexistent/node' }));
    expect(gone.status).not.toBe(0);
  });
});

describe('launchd plist', () => {
  it('is a well-formed property list with the program, restart policy and log file', () => {
    const s = { ...spec(), node: `${AWKWARD}/node` };
    const xml = renderLaunchdPlist(s, `${AWKWARD}/sync.log`);
    expect(parsePlist(xml)).toEqual({
      Label: 'dev.aiobscura.sync',
      ProgramArguments: [`${AWKWARD}/node`, CLI, ...s.args],
      EnvironmentVariables: { HOME: AWKWARD, XDG_DATA_HOME: '/x/data' },
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ThrottleInterval: 10,
      ProcessType: 'Background',
      StandardOutPath: `${AWKWARD}/sync.log`,
      StandardErrorPath: `${AWKWARD}/sync.log`,
    });
    expect(installedProgram(xml, 'launchd')).toEqual([`${AWKWARD}/node`, CLI]);
    // The reader is strict: an unescaped ampersand is refused.
    expect(() => parsePlist(xml.replace('&amp;', '&'))).toThrow(/entity/);
    expect(() => renderLaunchdPlist({ ...s, args: ['\u0001'] }, '/l')).toThrow(/control characters/);
  });
});
