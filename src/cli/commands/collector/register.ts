/**
 * `collector register`: registers this machine, rewrites only `[collector]` of config.toml (atomically, mode
 * 0600), then brings the publish state in line under the sync lock (requests.ts): cursors kept for another
 * server are reset, a pause is lifted. Registering again with the same server checks that the server still
 * holds what the cursors say it does (issue 11 §15): a server that lost its data answers "no events" for a
 * published session, and register offers to publish everything again instead of leaving history behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  assertWritable,
  type CollectorSectionValues,
  type ResolvedConfig,
  readConfigFile,
  replaceCollectorSection,
  writeFileAtomic,
} from '../../../config/index.js';
import { type Out, plural, printJson } from '../../output.js';
import { type Applied, applyUnderLock } from './requests.js';
import { type ServerCheck, serverCheck } from './server-check.js';
import { type CollectorModule, CommandError, collectorModule, withDb } from './shared.js';

export interface RegisterOptions {
  serverUrl?: string;
  workspaceId: string;
  hostname?: string;
  force?: boolean;
  /** Publish everything again even when the server seems to hold it (or without asking, when it does not). */
  resetCursors?: boolean;
  json?: boolean;
  /**
   * Asks the user a y/N question (given only when stdin is a terminal and `--yes` was not passed). Without
   * it, registration proceeds and a reset is only done with `--reset-cursors`.
   */
  confirm?: ((question: string) => Promise<boolean>) | undefined;
}

/** A y/N question on the terminal: anything but y/yes is no. */
export async function askOnTerminal(question: string): Promise<boolean> {
  const readline = await import('node:readline/promises');
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export async function registerCommand(
  config: ResolvedConfig,
  opts: RegisterOptions,
  out: Out,
): Promise<number> {
  if (!opts.serverUrl) throw new CommandError('collector register: --server-url (or --server) is required');
  const c = await collectorModule();
  const serverUrl = c.normalizeServerUrl(opts.serverUrl, config.collector.allowInsecureHttp);
  preflight(config, opts, serverUrl);
  // What enabling would send at once: what lies after the cursors kept for this server (all of it for a new
  // server), minus what the selection keeps local.
  const estimate = withDb(config, (db) => c.backfillEstimate(db, config.collector, serverUrl));
  if (!opts.json) out.stdout(backfillLine(estimate, serverUrl, config.collector.backfillSince));
  if (opts.confirm && !(await opts.confirm('Register and enable publishing? [y/N] '))) {
    if (opts.json) printJson(out, { registered: false, backfill: snakeEstimate(estimate) });
    else out.stdout('Nothing was registered.\n');
    return 1;
  }
  const reg = await registerWith(c, config, serverUrl, opts);
  const values = {
    enabled: true,
    server_url: serverUrl,
    collector_id: reg.collector_id,
    api_key: reg.api_key,
  };
  const savedTo = saveCredentials(config.configPath, values, out);
  const collector = { ...config.collector, serverUrl, collectorId: reg.collector_id, apiKey: reg.api_key };
  const check = await serverCheck(c, config, collector);
  const reset = await decideReset(c, config, serverUrl, check, opts, out);
  const applied = await applyUnderLock(
    c,
    { ...config, collector },
    { kind: 'resume', session: null, reset_cursors: reset, server_url: serverUrl },
  );
  const result = {
    registered: true,
    collector_id: reg.collector_id,
    api_key_prefix: c.maskSecret(reg.api_key),
    server_url: serverUrl,
    config: savedTo,
    backfill: snakeEstimate(estimate),
    server_check: check,
    cursors_reset: applied.done && applied.result.cursors_reset !== null,
    applied_by: applied.done ? applied.by : null,
    pending_with: applied.done ? null : applied.holder,
  };
  if (opts.json) printJson(out, result);
  else out.stdout(renderRegistered(result, applied));
  return 0;
}

/** Refusals before anything is sent: already registered (without --force), a config file we cannot write. */
function preflight(config: ResolvedConfig, opts: RegisterOptions, serverUrl: string): void {
  if (config.collector.collectorId && !opts.force) {
    throw new CommandError(
      `already registered as ${config.collector.collectorId} with ${config.collector.serverUrl}; to register ` +
        `again (the old credentials are replaced) run \`aiobscura collector register --force --server-url ${serverUrl} ` +
        `--workspace-id ${opts.workspaceId}\``,
    );
  }
  try {
    assertWritable(config.configPath);
  } catch (err) {
    throw new CommandError(
      `cannot write ${config.configPath} (${(err as Error).message}); nothing was registered`,
    );
  }
}

function registerWith(c: CollectorModule, config: ResolvedConfig, serverUrl: string, opts: RegisterOptions) {
  return c.registerCollector(
    serverUrl,
    {
      collector_type: 'aiobscura',
      collector_version: c.COLLECTOR_VERSION,
      hostname: opts.hostname ?? os.hostname(),
      workspace_id: opts.workspaceId,
      metadata: { os: `${os.platform()} ${os.release()}` },
    },
    config.collector.timeoutSecs * 1000,
    c.transportFor(config.collector),
  );
}

function backfillLine(e: BackfillEstimate, serverUrl: string, since: string | null): string {
  return (
    `Backfill: ${plural(e.sessions, 'session')}, ${plural(e.events, 'event')} ` +
    `already stored would be published to ${serverUrl}` +
    (since ? ` (backfill_since ${since})` : '') +
    (e.excludedSessions > 0
      ? `; ${plural(e.excludedSessions, 'session')} (${plural(e.excludedEvents, 'event')}) stay local (include_projects/exclude_projects/backfill_since)`
      : '') +
    '.\n'
  );
}

type BackfillEstimate = ReturnType<CollectorModule['backfillEstimate']>;

function snakeEstimate(e: BackfillEstimate) {
  return {
    sessions: e.sessions,
    events: e.events,
    excluded_sessions: e.excludedSessions,
    excluded_events: e.excludedEvents,
  };
}

/** Writes the credentials into config.toml, or (if that fails) into a 0600 file beside it, named. */
function saveCredentials(configPath: string, values: CollectorSectionValues, out: Out): string {
  try {
    const text = fs.existsSync(configPath) ? fs.readFileSync(configPath, 'utf8') : '';
    writeFileAtomic(configPath, replaceCollectorSection(text, values));
    readConfigFile(configPath); // the file must still parse
    return configPath;
  } catch (err) {
    // The server has issued a key it will never show again: keep it somewhere the user can find.
    const savedTo = path.join(path.dirname(configPath), `collector-credentials-${values.collector_id}.toml`);
    writeFileAtomic(savedTo, replaceCollectorSection('', values));
    out.stderr(
      `could not update ${configPath} (${(err as Error).message}); credentials saved to ${savedTo}\n`,
    );
    return savedTo;
  }
}

/**
 * Whether the cursors are reset: always for another server (they describe what that one holds); for the
 * same server when `--reset-cursors` says so, or when the check found the server without sessions the
 * cursors say it has and the user agrees (on a terminal).
 */
async function decideReset(
  c: CollectorModule,
  config: ResolvedConfig,
  serverUrl: string,
  check: ServerCheck,
  opts: RegisterOptions,
  out: Out,
): Promise<boolean> {
  const cursorsFor = withDb(config, (db) => new c.SessionTracker(db).global().serverUrl);
  if (cursorsFor !== null && cursorsFor !== serverUrl) return true;
  if (opts.resetCursors) return true;
  if (check.result !== 'missing') return false;
  const all = withDb(config, (db) => c.backfillEstimate(db, config.collector, null));
  if (!opts.json) {
    out.stdout(
      `The server has no events for ${check.missing} of the ${plural(check.probed, 'published session')} probed: ` +
        `it seems to have lost its data. Resetting the cursors publishes everything again (` +
        `${plural(all.sessions, 'session')}, ${plural(all.events, 'event')}; the server drops what it already has).\n`,
    );
  }
  if (opts.confirm) return opts.confirm('Reset the cursors and publish everything again? [y/N] ');
  return false;
}

interface Registered {
  collector_id: string;
  server_url: string;
  api_key_prefix: string;
  config: string;
  cursors_reset: boolean;
  server_check: ServerCheck;
}

function renderRegistered(r: Registered, applied: Applied): string {
  const lines = [
    `Registered collector ${r.collector_id} with ${r.server_url} (key ${r.api_key_prefix}).`,
    `Publishing is enabled in ${r.config}; run \`aiobscura sync --watch\` to start.`,
  ];
  if (r.cursors_reset)
    lines.push('Cursors reset: everything is published again (the server drops duplicates).');
  else if (r.server_check.result === 'missing')
    lines.push(
      'Cursors kept: what the server lost is not sent again. To publish everything again run ' +
        '`aiobscura collector resume --reset-cursors`.',
    );
  if (applied.done && applied.by !== null) lines.push(`(applied by the running sync, PID ${applied.by})`);
  if (!applied.done)
    lines.push(
      `The running sync (PID ${applied.holder}) has not applied the change yet; it does so between passes ` +
        '(an older aiobscura only when restarted).',
    );
  return `${lines.join('\n')}\n`;
}
