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
  skipSearch: boolean;
  /** Size of the re-read-after-replace session, in MiB. */
  rereadMb: number;
  /** Run only these sections (`cold` is implied by `search`, which reuses its tree); all when null. */
  only: readonly Section[] | null;
}

export const SECTIONS = ['cold', 'resync', 'append', 'memory', 'publish', 'search', 'reread'] as const;
export type Section = (typeof SECTIONS)[number];

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
  --cpu-window-s   daemon CPU measurement window in seconds (default 120 after 30 s warm-up; --quick 15 after 5)
  --skip-search    skip the search row (9)
  --reread-mb      size of the session re-read after an identical-bytes replace, MiB (default 20; --quick 5)
  --only LIST      only these rows, comma-separated: cold, resync, append, memory, publish, search, reread
                   (search implies cold: it reuses the cold tree; append needs resync)`;

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
      'skip-search': { type: 'boolean', default: false },
      'reread-mb': { type: 'string' },
      only: { type: 'string' },
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
    skipSearch: values['skip-search'],
    rereadMb: positive('reread-mb', values['reread-mb'], q ? 5 : 20),
    only: values.only === undefined ? null : sections(values.only),
  };
}

function sections(list: string): Section[] {
  const names = list.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`--only: unknown row ${unknown.join(', ')}\n${USAGE}`);
  const chosen = new Set(names as Section[]);
  if (chosen.has('search')) chosen.add('cold');
  if (chosen.has('append')) chosen.add('resync');
  return SECTIONS.filter((s) => chosen.has(s));
}
