/**
 * The launchd agent, rendered as a pure function of the spec: an XML property list with the program and its
 * arguments as an array (no shell), `KeepAlive.SuccessfulExit = false` (restart after a failure, not after a
 * clean stop) and stdout/stderr to a log file, since launchd has no journal for agents.
 */
import path from 'node:path';
import { LAUNCHD_LABEL, type ServiceSpec } from './spec.js';

export function launchdPlistPath(env: { HOME?: string | undefined }, label = LAUNCHD_LABEL): string {
  return path.join(env.HOME ?? '', 'Library', 'LaunchAgents', `${label}.plist`);
}

export function launchdLogPath(env: { HOME?: string | undefined }): string {
  return path.join(env.HOME ?? '', 'Library', 'Logs', 'aiobscura', 'sync.log');
}

export function xmlEscape(s: string): string {
  // Characters XML 1.0 cannot carry at all are refused rather than silently dropped.
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(s))
    throw new Error(`a property list cannot hold control characters: ${JSON.stringify(s)}`);
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const str = (s: string) => `<string>${xmlEscape(s)}</string>`;

export function renderLaunchdPlist(spec: ServiceSpec, logFile: string, label = LAUNCHD_LABEL): string {
  const env = Object.entries(spec.env);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  ${str(label)}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...[spec.node, spec.cli, ...spec.args].map((a) => `    ${str(a)}`),
    '  </array>',
    ...(env.length
      ? [
          '  <key>EnvironmentVariables</key>',
          '  <dict>',
          ...env.flatMap(([k, v]) => [`    <key>${xmlEscape(k)}</key>`, `    ${str(v)}`]),
          '  </dict>',
        ]
      : []),
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    // Restarts after a crash are spaced, so a config error does not spin.
    '  <key>ThrottleInterval</key>',
    '  <integer>10</integer>',
    '  <key>ProcessType</key>',
    '  <string>Background</string>',
    '  <key>StandardOutPath</key>',
    `  ${str(logFile)}`,
    '  <key>StandardErrorPath</key>',
    `  ${str(logFile)}`,
    '</dict>',
    '</plist>',
    '',
  ];
  return lines.join('\n');
}
