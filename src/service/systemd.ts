/**
 * The systemd user unit, rendered as a pure function of the spec. Quoting follows systemd.service(5)
 * "Command lines" and systemd.exec(5) `Environment=`: `%` starts a specifier everywhere and `$` a variable in
 * command lines, so they are doubled where they have that meaning; a value with spaces or quotes is
 * double-quoted with `\` and `"` escaped.
 */
import path from 'node:path';
import { SERVICE_NAME, type ServiceSpec } from './spec.js';

export const UNIT_NAME = `${SERVICE_NAME}.service`;

/** `$XDG_CONFIG_HOME/systemd/user/aiobscura.service`, `~/.config/...` when XDG_CONFIG_HOME is unset. */
export function systemdUnitPath(env: {
  HOME?: string | undefined;
  XDG_CONFIG_HOME?: string | undefined;
}): string {
  const base = env.XDG_CONFIG_HOME ? env.XDG_CONFIG_HOME : path.join(env.HOME ?? '', '.config');
  return path.join(base, 'systemd', 'user', UNIT_NAME);
}

const PLAIN = /^[A-Za-z0-9_@+=:,./-]+$/;

function escapeSpecials(s: string): string {
  return s.replace(/%/g, '%%').replace(/\$/g, '$$$$');
}

export function quoteExecArg(arg: string): string {
  if (/[\n\r]/.test(arg))
    throw new Error(`a unit file cannot hold a line break in an argument: ${JSON.stringify(arg)}`);
  if (PLAIN.test(arg)) return escapeSpecials(arg);
  return `"${escapeSpecials(arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"'))}"`;
}

/** `Environment=` expands specifiers but not variables: only `%` is doubled there. */
function environmentLine(name: string, value: string): string {
  if (/[\n\r]/.test(value)) throw new Error(`${name} contains a line break; it cannot go into a unit file`);
  const quoted = `${name}=${value}`.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%');
  return `Environment="${quoted}"`;
}

export function renderSystemdUnit(spec: ServiceSpec): string {
  const exec = [spec.node, spec.cli, ...spec.args].map(quoteExecArg).join(' ');
  const lines = [
    '# Written by `aiobscura service install`; `aiobscura service uninstall` removes it.',
    '[Unit]',
    `Description=${spec.description}`,
    // Publishing needs the network, ingest does not: order after it without requiring it.
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    // `systemctl --user reload aiobscura` re-reads config.toml (sync --watch handles SIGHUP).
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=on-failure',
    'RestartSec=5',
    // SIGTERM lets sync commit and publish what is pending within shutdown_timeout_secs.
    'KillSignal=SIGTERM',
    'TimeoutStopSec=60',
    ...Object.entries(spec.env).map(([k, v]) => environmentLine(k, v)),
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ];
  return lines.join('\n');
}
