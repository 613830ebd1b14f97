/** npm platform-package suffixes (`linux-x64`, `darwin-arm64`, …) for the machine the harness runs on. */
export function platformSuffix(): string {
  const os = process.platform === 'win32' ? 'win32' : process.platform;
  return `${os}-${process.arch}`;
}

/** The environment every agent starts from: nothing of the harness's own (no keys, no proxies). */
export function baseEnv(home: string, tmp: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    USER: process.env.USER ?? 'agx',
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    TMPDIR: tmp,
    NO_COLOR: '1',
    CI: '1',
  };
}
