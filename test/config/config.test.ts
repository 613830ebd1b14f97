import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/config/index.js';

function home() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'aiobscura-cfg-'));
}

describe('resolveConfig', () => {
  it('defaults to the XDG data and config dirs under HOME, and to ~/.claude and ~/.codex', () => {
    const h = home();
    const c = resolveConfig({}, { HOME: h });
    expect(c.databasePath).toBe(path.join(h, '.local/share/aiobscura/data.db'));
    expect(c.configPath).toBe(path.join(h, '.config/aiobscura/config.toml'));
    expect(c.claudeDir).toBe(path.join(h, '.claude'));
    expect(c.codexDir).toBe(path.join(h, '.codex'));
    expect(c.pollMs).toBe(10_000);
  });

  it('honours XDG_DATA_HOME, XDG_CONFIG_HOME, CLAUDE_CONFIG_DIR and CODEX_HOME', () => {
    const h = home();
    const c = resolveConfig(
      {},
      {
        HOME: h,
        XDG_DATA_HOME: '/d',
        XDG_CONFIG_HOME: path.join(h, 'cfg'),
        CLAUDE_CONFIG_DIR: '/cc',
        CODEX_HOME: '/cx',
      },
    );
    expect([c.databasePath, c.configPath, c.claudeDir, c.codexDir]).toEqual([
      '/d/aiobscura/data.db',
      path.join(h, 'cfg/aiobscura/config.toml'),
      '/cc',
      '/cx',
    ]);
  });

  it('reads config.toml (with ~ expanded) and lets flags win over it', () => {
    const h = home();
    const file = path.join(h, 'config.toml');
    fs.writeFileSync(
      file,
      '[sources]\nclaude_dir = "~/logs/claude"\n[sync]\npoll_ms = 500\n[collector]\nenabled = false\n',
    );
    const c = resolveConfig({ configPath: file }, { HOME: h });
    expect(c.claudeDir).toBe(path.join(h, 'logs/claude'));
    expect(c.pollMs).toBe(500);
    expect(resolveConfig({ configPath: file, claudeDir: '/flag', pollMs: 50 }, { HOME: h })).toMatchObject({
      claudeDir: '/flag',
      pollMs: 50,
    });
  });

  it('stores directories as absolute paths, so a relative flag names the same files as an absolute one', () => {
    const h = home();
    const c = resolveConfig({ claudeDir: 'rel/claude', databasePath: 'x.db' }, { HOME: h });
    expect(c.claudeDir).toBe(path.resolve('rel/claude'));
    expect(c.databasePath).toBe(path.resolve('x.db'));
  });

  it('names the file and the key when the config is wrong', () => {
    const h = home();
    const file = path.join(h, 'config.toml');
    fs.writeFileSync(file, '[sync]\npoll_ms = "fast"\n');
    expect(() => resolveConfig({ configPath: file }, { HOME: h })).toThrow(ConfigError);
    expect(() => resolveConfig({ configPath: file }, { HOME: h })).toThrow(
      /config\.toml[\s\S]*sync\.poll_ms/,
    );
    fs.writeFileSync(file, '[sources]\nclaude_dri = "/x"\n');
    expect(() => resolveConfig({ configPath: file }, { HOME: h })).toThrow(/claude_dri/);
    fs.writeFileSync(file, '[sources\n');
    expect(() => resolveConfig({ configPath: file }, { HOME: h })).toThrow(/invalid TOML in .*config\.toml/);
  });

  it('expands ~ in the collector paths (ca_file, project globs) against HOME', () => {
    const h = home();
    const file = path.join(h, 'config.toml');
    fs.writeFileSync(file, '[collector]\nca_file = "~/certs/ca.pem"\nexclude_projects = ["~/private/**"]\n');
    const c = resolveConfig({ configPath: file }, { HOME: h });
    expect(c.collector.caFile).toBe(path.join(h, 'certs/ca.pem'));
    expect(c.collector.excludeProjects).toEqual([path.join(h, 'private/**')]);
  });
});
