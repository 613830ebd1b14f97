/**
 * ccusage 20 for the comparison only: installed into `bench/.work/ccusage/` (git-ignored), never a
 * dependency of aiobscura. The `ccusage` package is a small Node launcher; the program is a native binary
 * in a per-platform package (`@ccusage/ccusage-linux-x64`, …) that npm installs as an optional dependency.
 * 20.0.24 is pinned: it is the newest 20.x whose platform packages the registry serves here (20.0.26 has
 * none for linux-x64, and its launcher then fails). Override with CCUSAGE_VERSION.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../test/support/corpus.js';

export const CCUSAGE_VERSION = process.env.CCUSAGE_VERSION ?? '20.0.24';
const DIR = path.join(REPO_ROOT, 'bench', '.work', 'ccusage');

function platformPackage(): string {
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
  return `@ccusage/ccusage-${process.platform}-${arch}`;
}

/** The native binary, installed on first use; throws with the reason when it cannot be had. */
export function ccusageBinary(log: (m: string) => void): { bin: string; version: string } {
  const pkgDir = path.join(DIR, 'node_modules', ...platformPackage().split('/'));
  const installed = () => {
    try {
      return (JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string })
        .version;
    } catch {
      return null;
    }
  };
  if (installed() !== CCUSAGE_VERSION) {
    log(`installing ccusage@${CCUSAGE_VERSION} into ${path.relative(REPO_ROOT, DIR)} (bench only)`);
    fs.mkdirSync(DIR, { recursive: true });
    fs.writeFileSync(path.join(DIR, 'package.json'), '{ "private": true }\n');
    execFileSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--no-package-lock', `ccusage@${CCUSAGE_VERSION}`],
      {
        cwd: DIR,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
  }
  const bin = path.join(pkgDir, 'bin', process.platform === 'win32' ? 'ccusage.exe' : 'ccusage');
  if (!fs.existsSync(bin))
    throw new Error(
      `ccusage@${CCUSAGE_VERSION} installed without its native binary (${platformPackage()} missing from ` +
        'the registry?): set CCUSAGE_VERSION to a version that has it (npm view @ccusage/ccusage-linux-x64 versions)',
    );
  // npm unpacks it without the execute bit; ccusage's own launcher sets it before each run, as we do.
  fs.chmodSync(bin, 0o755);
  return { bin, version: installed() ?? CCUSAGE_VERSION };
}
