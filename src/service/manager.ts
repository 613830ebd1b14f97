/**
 * Installing, removing and inspecting the service: write or remove the file, then ask the service manager
 * (`systemctl --user` or `launchctl`) to load or unload it. The file step and the manager step are reported
 * separately: in a container or over SSH without a user bus the file can be written while loading fails,
 * and the user needs to know exactly which half happened and the command that finishes the job.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../config/index.js';
import { launchdLogPath, launchdPlistPath, renderLaunchdPlist } from './launchd.js';
import { LAUNCHD_LABEL, type ServiceSpec } from './spec.js';
import { renderSystemdUnit, systemdUnitPath, UNIT_NAME } from './systemd.js';

export type Platform = 'systemd' | 'launchd';

export function defaultPlatform(platform: NodeJS.Platform = process.platform): Platform {
  return platform === 'darwin' ? 'launchd' : 'systemd';
}

export interface CommandResult {
  /** null when the command could not run at all (not installed). */
  code: number | null;
  stdout: string;
  stderr: string;
}

export type CommandRunner = (cmd: string, args: string[]) => CommandResult;

export const runCommand: CommandRunner = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  if (r.error) return { code: null, stdout: '', stderr: r.error.message };
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
};

export interface ServiceEnv {
  HOME?: string | undefined;
  XDG_CONFIG_HOME?: string | undefined;
}

/** One manager invocation and what came of it, for the report. */
export interface Step {
  command: string;
  ok: boolean;
  detail: string;
}

interface Target {
  platform: Platform;
  file: string;
  render(spec: ServiceSpec): string;
  /** Extra files the manager writes to (the launchd log), created before loading. */
  logFile: string | null;
  load: string[][];
  unload: string[][];
  /** Reads the state; `parse` turns the output into one word and a detail. */
  status: string[];
}

function uid(): number {
  return process.getuid?.() ?? 0;
}

export function target(platform: Platform, env: ServiceEnv): Target {
  if (platform === 'systemd') {
    return {
      platform,
      file: systemdUnitPath(env),
      render: renderSystemdUnit,
      logFile: null,
      load: [
        ['systemctl', '--user', 'daemon-reload'],
        ['systemctl', '--user', 'enable', '--now', UNIT_NAME],
      ],
      unload: [['systemctl', '--user', 'disable', '--now', UNIT_NAME]],
      status: ['systemctl', '--user', 'show', UNIT_NAME, '--property=LoadState,ActiveState,SubState,MainPID'],
    };
  }
  const file = launchdPlistPath(env);
  const logFile = launchdLogPath(env);
  const domain = `gui/${uid()}`;
  return {
    platform,
    file,
    render: (spec) => renderLaunchdPlist(spec, logFile),
    logFile,
    load: [['launchctl', 'bootstrap', domain, file]],
    unload: [['launchctl', 'bootout', `${domain}/${LAUNCHD_LABEL}`]],
    status: ['launchctl', 'print', `${domain}/${LAUNCHD_LABEL}`],
  };
}

function runSteps(commands: string[][], run: CommandRunner): Step[] {
  const steps: Step[] = [];
  for (const [cmd, ...args] of commands) {
    const r = run(cmd!, args);
    const ok = r.code === 0;
    const detail = (r.stderr.trim() || r.stdout.trim()).split('\n')[0] ?? '';
    steps.push({
      command: [cmd, ...args].join(' '),
      ok,
      detail: r.code === null ? `cannot run ${cmd}: ${detail}` : detail,
    });
    // Each step needs the previous one (enable after daemon-reload); stop at the first failure.
    if (!ok) break;
  }
  return steps;
}

export interface InstallResult {
  platform: Platform;
  file: string;
  content: string;
  written: boolean;
  /** Empty when loading was not asked for (`--no-load`, `--dry-run`). */
  steps: Step[];
  loaded: boolean | null;
  /** The commands that load it by hand, shown when loading failed or was skipped. */
  manual: string[];
}

export function install(
  spec: ServiceSpec,
  opts: { platform: Platform; env: ServiceEnv; dryRun: boolean; load: boolean },
  run: CommandRunner = runCommand,
): InstallResult {
  const t = target(opts.platform, opts.env);
  const content = t.render(spec);
  const manual = t.load.map((c) => c.join(' '));
  const result: InstallResult = {
    platform: t.platform,
    file: t.file,
    content,
    written: false,
    steps: [],
    loaded: null,
    manual,
  };
  if (opts.dryRun) return result;
  fs.mkdirSync(path.dirname(t.file), { recursive: true });
  if (t.logFile) fs.mkdirSync(path.dirname(t.logFile), { recursive: true });
  writeFileAtomic(t.file, content);
  result.written = true;
  if (!opts.load) return result;
  // launchd refuses to bootstrap a label that is already loaded: unload a previous version first.
  if (t.platform === 'launchd') runSteps(t.unload, run);
  result.steps = runSteps(t.load, run);
  result.loaded = result.steps.every((s) => s.ok);
  return result;
}

export interface UninstallResult {
  platform: Platform;
  file: string;
  /** The file was there and is now gone. */
  removed: boolean;
  steps: Step[];
  unloaded: boolean | null;
  manual: string[];
}

export function uninstall(
  opts: { platform: Platform; env: ServiceEnv; load: boolean },
  run: CommandRunner = runCommand,
): UninstallResult {
  const t = target(opts.platform, opts.env);
  const existed = fs.existsSync(t.file);
  const result: UninstallResult = {
    platform: t.platform,
    file: t.file,
    removed: false,
    steps: [],
    unloaded: null,
    manual: t.unload.map((c) => c.join(' ')),
  };
  // Stop before removing: systemd cannot stop a unit whose file is gone without a daemon-reload dance.
  if (opts.load && existed) {
    result.steps = runSteps(t.unload, run);
    result.unloaded = result.steps.every((s) => s.ok);
  }
  if (existed) {
    fs.rmSync(t.file);
    result.removed = true;
  }
  if (opts.load && existed && t.platform === 'systemd') {
    result.steps.push(...runSteps([['systemctl', '--user', 'daemon-reload']], run));
  }
  return result;
}

export type ServiceState = 'running' | 'stopped' | 'failed' | 'not-loaded' | 'unknown';

export interface StatusResult {
  platform: Platform;
  file: string;
  installed: boolean;
  /** The installed file is what `service install` would write now (same node, CLI, options, env). */
  upToDate: boolean | null;
  /** Paths in the file that no longer exist (node upgraded away, CLI moved). */
  missing: string[];
  state: ServiceState;
  pid: number | null;
  detail: string;
}

export function status(
  spec: ServiceSpec,
  opts: { platform: Platform; env: ServiceEnv },
  run: CommandRunner = runCommand,
): StatusResult {
  const t = target(opts.platform, opts.env);
  const installed = fs.existsSync(t.file);
  const current = installed ? fs.readFileSync(t.file, 'utf8') : null;
  const missing =
    current === null ? [] : installedProgram(current, t.platform).filter((p) => !fs.existsSync(p));
  const [cmd, ...args] = t.status;
  const r = run(cmd!, args);
  const parsed = t.platform === 'systemd' ? parseSystemctlShow(r) : parseLaunchctlPrint(r);
  return {
    platform: t.platform,
    file: t.file,
    installed,
    upToDate: current === null ? null : current === t.render(spec),
    missing,
    ...parsed,
  };
}

/** `systemctl --user show` prints `Key=Value` lines; without a user bus it fails and the state is unknown. */
export function parseSystemctlShow(r: CommandResult): {
  state: ServiceState;
  pid: number | null;
  detail: string;
} {
  if (r.code !== 0) {
    const why = (r.stderr.trim() || r.stdout.trim()).split('\n')[0] ?? '';
    return { state: 'unknown', pid: null, detail: `systemctl --user is not usable here: ${why}` };
  }
  const props = new Map(
    r.stdout
      .split('\n')
      .map((l) => l.split('='))
      .filter((kv) => kv.length >= 2)
      .map(([k, ...v]) => [k!, v.join('=')] as const),
  );
  const active = props.get('ActiveState') ?? '';
  const sub = props.get('SubState') ?? '';
  const pid = Number(props.get('MainPID') ?? 0) || null;
  const detail = `LoadState=${props.get('LoadState') ?? '?'} ActiveState=${active} SubState=${sub}`;
  if (props.get('LoadState') === 'not-found') return { state: 'not-loaded', pid: null, detail };
  if (active === 'active' || active === 'reloading') return { state: 'running', pid, detail };
  if (active === 'failed') return { state: 'failed', pid: null, detail };
  return { state: 'stopped', pid: null, detail };
}

/** `launchctl print` fails for an unknown label and prints `state = running` / `pid = N` for a loaded one. */
export function parseLaunchctlPrint(r: CommandResult): {
  state: ServiceState;
  pid: number | null;
  detail: string;
} {
  if (r.code === null)
    return { state: 'unknown', pid: null, detail: `launchctl is not usable here: ${r.stderr.trim()}` };
  if (r.code !== 0)
    return {
      state: 'not-loaded',
      pid: null,
      detail: (r.stderr.trim() || r.stdout.trim()).split('\n')[0] ?? '',
    };
  const state = /^\s*state = (\S+)/m.exec(r.stdout)?.[1] ?? '';
  const pid = Number(/^\s*pid = (\d+)/m.exec(r.stdout)?.[1] ?? 0) || null;
  const lastExit = /^\s*last exit code = (.+)$/m.exec(r.stdout)?.[1] ?? '';
  const detail = `state = ${state || '?'}${lastExit ? `, last exit code = ${lastExit}` : ''}`;
  if (state === 'running') return { state: 'running', pid, detail };
  return {
    state: lastExit && lastExit !== '0' && !lastExit.startsWith('(never') ? 'failed' : 'stopped',
    pid: null,
    detail,
  };
}

/**
 * The node binary and CLI file an installed unit starts (the first two words of `ExecStart=`, or of
 * `ProgramArguments`), so `status` can say when a node upgrade or a move left the service pointing nowhere.
 */
export function installedProgram(content: string, platform: Platform): string[] {
  if (platform === 'systemd') {
    const line = /^ExecStart=(.*)$/m.exec(content)?.[1] ?? '';
    const words: string[] = [];
    const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
    for (let m = re.exec(line); m !== null && words.length < 2; m = re.exec(line)) {
      const raw = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? '');
      words.push(raw.replace(/%%/g, '%').replace(/\$\$/g, '$'));
    }
    return words;
  }
  const array = /<key>ProgramArguments<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(content)?.[1] ?? '';
  return [...array.matchAll(/<string>([^<]*)<\/string>/g)].slice(0, 2).map((m) => xmlUnescape(m[1] ?? ''));
}

function xmlUnescape(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
