/**
 * Installs an agent's npm package(s) into the ignored cache, once per version: `.agents-cache/packages/
 * <agent>@<version>/` is an npm prefix, marked complete only after npm succeeded, and reused by later runs.
 * Install scripts are not run (they download nothing we need, and some need a newer Node); a program that
 * needs a newer Node than the harness's gets one from the registry's `node-<platform>` package.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { platformSuffix } from './platform.js';
import type { AgentSpec } from './spec.js';

const run = promisify(execFile);
const DONE = '.agx-installed.json';

async function npm(args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run('npm', args, { cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`npm ${args.join(' ')} (in ${cwd}) failed: ${(err.stderr ?? err.message).slice(-2000)}`);
  }
}

/** The `latest` version the registry has for the agent's package. */
export async function latestVersion(spec: AgentSpec): Promise<string> {
  const out = await npm(['view', spec.versionPackage, 'version'], process.cwd());
  const v = out
    .trim()
    .split('\n')
    .pop()
    ?.replace(/^.*'(.+)'$/, '$1');
  if (!v) throw new Error(`npm view ${spec.versionPackage} version printed nothing`);
  return v;
}

async function installInto(dir: string, packages: string[], log: (m: string) => void): Promise<void> {
  const marker = path.join(dir, DONE);
  if (fs.existsSync(marker)) return;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{"private": true}\n');
  log(`installing ${packages.join(' ')} into ${dir}`);
  const t = Date.now();
  await npm(
    ['install', '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', ...packages],
    dir,
  );
  fs.writeFileSync(marker, `${JSON.stringify({ packages, at: new Date().toISOString() })}\n`);
  log(`installed in ${Math.round((Date.now() - t) / 1000)} s`);
}

export function packageDir(cacheDir: string, spec: AgentSpec, version: string): string {
  return path.join(cacheDir, 'packages', `${spec.name}@${version}`);
}

export async function installAgent(
  cacheDir: string,
  spec: AgentSpec,
  version: string,
  log: (m: string) => void,
): Promise<string> {
  const dir = packageDir(cacheDir, spec, version);
  await installInto(dir, spec.packages(version), log);
  return dir;
}

/** A Node binary of at least `major`: the running one when it suffices, else one from the cache. */
export async function nodeFor(
  cacheDir: string,
  major: number | undefined,
  log: (m: string) => void,
): Promise<string> {
  const own = Number(process.versions.node.split('.')[0]);
  if (major === undefined || own >= major) return process.execPath;
  const pkg = `node-${platformSuffix()}`;
  const dir = path.join(cacheDir, 'node', `${pkg}@${major}`);
  await installInto(dir, [`${pkg}@${major}`], log);
  return path.join(dir, 'node_modules', pkg, 'bin', 'node');
}

/** True when the version is installed already (no registry needed). */
export function isInstalled(cacheDir: string, spec: AgentSpec, version: string): boolean {
  return fs.existsSync(path.join(packageDir(cacheDir, spec, version), DONE));
}
