/** Command-line flags of `npm run bench` (after `--`). Defaults are the DESIGN.md §4 sizes. */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  quick: boolean;
  skipMemory: boolean;
  /** Cold ingest data set size, in MB. */
  coldMb: number;
  /** Files in the re-sync tree. */
  resyncFiles: number;
  memSmallMiB: number;
  memLargeMiB: number;
  /** Records appended in the watch benchmark. */
  appends: number;
  skipPublish: boolean;
  /** Data set of the publishing rows, in MB. */
  publishMb: number;
  /** Daemon CPU row: warm-up and measurement window, in seconds. */
  cpuWarmupS: number;
  cpuWindowS: number;
}

const USAGE = `usage: npm run bench -- [--quick] [--skip-memory] [--mem-small-mb N] [--mem-large-mb N]
                          [--cold-mb N] [--resync-files N] [--appends N]
  --quick          small sizes for a smoke run (about a minute); figures are not comparable to targets
  --skip-memory    skip the memory row (it generates and ingests a 1 GiB session)
  --mem-small-mb   size of the small memory session in MiB (default 100; --quick 10)
  --mem-large-mb   size of the large memory session in MiB (default 1024; --quick 50)
  --cold-mb        cold ingest data set in MB (default 210; --quick 20)
  --resync-files   files in the re-sync tree (default 3000; --quick 300)
  --appends        records appended in the watch row (default 200; --quick 40)
  --skip-publish   skip the publishing rows (5-8)
  --publish-mb     data set of the publishing rows in MB (default 60; --quick 10)
  --cpu-window-s   daemon CPU measurement window in seconds (default 120 after 30 s warm-up; --quick 15 after 5)`;

function positive(name: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`--${name} must be a positive number, got ${v}\n${USAGE}`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      'skip-memory': { type: 'boolean', default: false },
      'mem-small-mb': { type: 'string' },
      'mem-large-mb': { type: 'string' },
      'cold-mb': { type: 'string' },
      'resync-files': { type: 'string' },
      appends: { type: 'string' },
      'skip-publish': { type: 'boolean', default: false },
      'publish-mb': { type: 'string' },
      'cpu-window-s': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const q = values.quick;
  return {
    quick: q,
    skipMemory: values['skip-memory'],
    coldMb: positive('cold-mb', values['cold-mb'], q ? 20 : 210),
    resyncFiles: Math.ceil(positive('resync-files', values['resync-files'], q ? 300 : 3000)),
    memSmallMiB: positive('mem-small-mb', values['mem-small-mb'], q ? 10 : 100),
    memLargeMiB: positive('mem-large-mb', values['mem-large-mb'], q ? 50 : 1024),
    appends: Math.ceil(positive('appends', values.appends, q ? 40 : 200)),
    skipPublish: values['skip-publish'],
    publishMb: positive('publish-mb', values['publish-mb'], q ? 10 : 60),
    cpuWarmupS: q ? 5 : 30,
    cpuWindowS: positive('cpu-window-s', values['cpu-window-s'], q ? 15 : 120),
  };
}
