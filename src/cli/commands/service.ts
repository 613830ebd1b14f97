import {
  currentCli,
  defaultPlatform,
  type GlobalPaths,
  install,
  type Platform,
  type ServiceSpec,
  serviceSpec,
  status,
  uninstall,
} from '../../service/index.js';
import { type Out, printJson } from '../output.js';

export interface ServiceCommandContext {
  platform?: Platform | undefined;
  globals: GlobalPaths;
  env: NodeJS.ProcessEnv;
}

function specFor(ctx: ServiceCommandContext): ServiceSpec {
  return serviceSpec({
    node: process.execPath,
    cli: currentCli(process.argv[1]),
    globals: ctx.globals,
    env: ctx.env,
    cwd: process.cwd(),
  });
}

/**
 * `service install`: exit 0 when written and loaded (or written with `--no-load`), 1 when written but the
 * service manager could not load it (the message says how to do it by hand).
 */
export function installCommand(
  ctx: ServiceCommandContext,
  opts: { dryRun: boolean; load: boolean; json: boolean },
  out: Out,
): number {
  const platform = ctx.platform ?? defaultPlatform();
  const r = install(specFor(ctx), { platform, env: ctx.env, dryRun: opts.dryRun, load: opts.load });
  if (ctx.env.AIOBSCURA_COLLECTOR_API_KEY && !opts.json) {
    out.stderr(
      'note: AIOBSCURA_COLLECTOR_API_KEY is not copied into the service (unit files are not secret); ' +
        'keep api_key in config.toml (`aiobscura collector register` writes it there)\n',
    );
  }
  if (opts.json) {
    printJson(out, r);
    return r.loaded === false ? 1 : 0;
  }
  if (opts.dryRun) {
    // stdout is exactly the file, so `--dry-run > file` works; where it would go is said on stderr.
    out.stderr(`# would write ${r.file}\n`);
    out.stdout(r.content);
    return 0;
  }
  out.stdout(`wrote ${r.file}\n`);
  for (const s of r.steps)
    out.stdout(`  ${s.ok ? 'ok  ' : 'FAIL'}  ${s.command}${s.ok ? '' : `: ${s.detail}`}\n`);
  if (r.loaded === null) {
    out.stdout(`not loaded (--no-load); to start it:\n${r.manual.map((c) => `  ${c}\n`).join('')}`);
    return 0;
  }
  if (!r.loaded) {
    out.stderr(
      `aiobscura: the ${platform === 'systemd' ? 'unit' : 'agent'} file is written, but loading it failed; ` +
        `when the service manager is available, run:\n${r.manual.map((c) => `  ${c}\n`).join('')}`,
    );
    return 1;
  }
  out.stdout(
    platform === 'systemd'
      ? 'started; logs: journalctl --user -u aiobscura -f\n'
      : `started; logs: ${r.content.match(/<key>StandardOutPath<\/key>\s*<string>([^<]*)/)?.[1] ?? ''}\n`,
  );
  return 0;
}

/** `service uninstall`: exit 0 when removed (or nothing was installed), 1 when unloading failed. */
export function uninstallCommand(
  ctx: ServiceCommandContext,
  opts: { load: boolean; json: boolean },
  out: Out,
): number {
  const platform = ctx.platform ?? defaultPlatform();
  const r = uninstall({ platform, env: ctx.env, load: opts.load });
  const code = r.unloaded === false ? 1 : 0;
  if (opts.json) {
    printJson(out, r);
    return code;
  }
  if (!r.removed) {
    out.stdout(`not installed (no ${r.file})\n`);
    return 0;
  }
  for (const s of r.steps)
    out.stdout(`  ${s.ok ? 'ok  ' : 'FAIL'}  ${s.command}${s.ok ? '' : `: ${s.detail}`}\n`);
  out.stdout(`removed ${r.file}\n`);
  if (r.unloaded === false) {
    out.stderr(
      `aiobscura: the file is removed, but stopping the service failed; if it still runs, run:\n${r.manual
        .map((c) => `  ${c}\n`)
        .join('')}`,
    );
  }
  return code;
}

/** `service status`: exit 0 running, 1 installed but not running (or the state cannot be read), 4 not installed. */
export function statusCommand(ctx: ServiceCommandContext, opts: { json: boolean }, out: Out): number {
  const platform = ctx.platform ?? defaultPlatform();
  const r = status(specFor(ctx), { platform, env: ctx.env });
  const code = !r.installed ? 4 : r.state === 'running' ? 0 : 1;
  if (opts.json) {
    printJson(out, r);
    return code;
  }
  const lines = [
    `service    ${r.platform} (${r.file})`,
    `installed  ${r.installed ? 'yes' : 'no (run `aiobscura service install`)'}`,
  ];
  if (r.installed) {
    lines.push(
      `file       ${r.upToDate ? 'up to date' : 'differs from what `service install` would write now (run it again to update)'}`,
    );
    for (const m of r.missing)
      lines.push(`missing    ${m} no longer exists: run \`aiobscura service install\` again`);
  }
  lines.push(`state      ${r.state}${r.pid ? ` (PID ${r.pid})` : ''}: ${r.detail}`);
  out.stdout(`${lines.join('\n')}\n`);
  return code;
}
