import cliProgress from 'cli-progress';
import type { ResolvedConfig } from '../../config/index.js';
import type { MessageType } from '../../parsers/index.js';
import {
  checkSearchIndex,
  type Db,
  MATCH_END,
  MATCH_START,
  openDatabase,
  rebuildSearchIndex,
  type SearchHit,
  type SearchRequest,
  type SearchResult,
  searchIndexSize,
  searchMessages,
} from '../../store/index.js';
import { SyncLock } from '../../sync/index.js';
import { PLAIN_MARKS, paint, renderSnippet, TERMINAL_MARKS } from '../highlight.js';
import { formatBytes, formatCount, type Out, printJson, shortTime } from '../output.js';

/** The message kinds `--type` accepts (every kind the parsers produce). */
export const MESSAGE_TYPES = [
  'prompt',
  'response',
  'thinking',
  'tool_call',
  'tool_result',
  'plan',
  'summary',
  'context',
  'error',
] as const satisfies readonly MessageType[];

/** `--type prompt,response` (repeatable): the kinds, checked against the known ones. */
export function parseMessageTypes(value: string, previous: string[] = []): string[] {
  const kinds = value
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const unknown = kinds.filter((k) => !(MESSAGE_TYPES as readonly string[]).includes(k));
  if (unknown.length > 0 || kinds.length === 0) {
    throw new Error(
      `unknown message type${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => `"${k}"`).join(', ') || '""'}; ` +
        `expected one or more of ${MESSAGE_TYPES.join(', ')} (comma-separated)`,
    );
  }
  return [...new Set([...previous, ...kinds])];
}

export interface SearchCommandOptions extends Omit<SearchRequest, 'snippetWords'> {
  json: boolean;
  /** Colour on a terminal (`NO_COLOR` unset); otherwise matches are shown between « and ». */
  color: boolean;
}

/** Searching only reads (a read-only database serves it); `--reindex` writes. */
function withDb<T>(config: ResolvedConfig, fn: (db: Db) => T, mode: 'read' | 'write' = 'read'): T {
  const db = openDatabase(config.databasePath, { mustExist: true, readonly: mode === 'read' });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** The last two parts of a working directory (`~/code/app` → `code/app`): enough to tell projects apart. */
function projectLabel(cwd: string | null): string {
  if (!cwd) return '?';
  return (
    cwd
      .split(/[\\/]+/)
      .filter(Boolean)
      .slice(-2)
      .join('/') || cwd
  );
}

function hitJson(h: SearchHit, rank: number) {
  return {
    rank,
    ...h,
    snippet: renderSnippet(h.snippet, { start: MATCH_START, end: MATCH_END }, PLAIN_MARKS),
  };
}

function renderHit(h: SearchHit, color: boolean): string {
  const p = paint(color);
  const kind = h.tool_name ? `${h.message_type} ${h.tool_name}` : h.message_type;
  // A sub-agent's session id already ends with its thread; an inline side chain's does not.
  const thread = h.thread === 'main' || h.session_id.endsWith(`:${h.thread}`) ? '' : ` ${h.thread}`;
  const head =
    `${p.session(h.session_id)} #${h.seq}  ${p.dim(shortTime(h.emitted_at))}  ${h.assistant}  ` +
    `${p.kind(kind)}${thread}  ${projectLabel(h.project)}`;
  const marks = color ? TERMINAL_MARKS : PLAIN_MARKS;
  const text = renderSnippet(h.snippet, { start: MATCH_START, end: MATCH_END }, marks);
  return `${head}\n  ${text}\n`;
}

/** `aiobscura search QUERY`: the best hits first, each with the session and message it belongs to. */
export function searchCommand(config: ResolvedConfig, opts: SearchCommandOptions, out: Out): number {
  const result: SearchResult = withDb(config, (db) =>
    searchMessages(db, { ...opts, snippetWords: opts.json ? 32 : 24 }),
  );
  if (opts.json) {
    printJson(out, {
      query: opts.query,
      match: result.match,
      total: result.total,
      hits: result.hits.map((h, i) => hitJson(h, i + 1)),
    });
    return 0;
  }
  if (result.hits.length === 0) {
    out.stdout(`No messages match ${result.match}.\n`);
    return 0;
  }
  out.stdout(result.hits.map((h) => renderHit(h, opts.color)).join('\n'));
  const shown = result.hits.length;
  const more =
    result.total > shown ? `, best ${shown} shown (-n ${Math.min(result.total, shown * 5)} for more)` : '';
  out.stdout(
    `\n${formatCount(result.total)} matching message${result.total === 1 ? '' : 's'}${more}. ` +
      'See a whole session with `aiobscura show SESSION`.\n',
  );
  return 0;
}

export interface ReindexOptions {
  json: boolean;
  progress: boolean;
}

/**
 * `search --reindex`: rebuilds the index from the messages in one transaction, holding the sync lock so that
 * no sync waits on that transaction (SQLite would make it give up after its busy timeout).
 */
export function reindexCommand(config: ResolvedConfig, opts: ReindexOptions, out: Out): number {
  const bar =
    opts.progress && out.isTTY && !opts.json
      ? new cliProgress.SingleBar(
          {
            format: 'reindex [{bar}] {percentage}% | {value}/{total} messages',
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  const started = performance.now();
  // Opened first, so a missing database is reported before a lock file is created beside it.
  const report = withDb(
    config,
    (db) => {
      const lock = SyncLock.acquire(config.databasePath);
      try {
        const rebuilt = rebuildSearchIndex(db, (p) => {
          if (p.done === 0) bar?.start(Math.max(1, p.total), 0);
          else bar?.update(p.done);
        });
        return { messages: rebuilt.messages, ...sizeOf(db) };
      } finally {
        bar?.stop();
        lock.release();
      }
    },
    'write',
  );
  const seconds = Math.round(performance.now() - started) / 1000;
  if (opts.json) printJson(out, { reindexed: report.messages, seconds, ...snake(report) });
  else
    out.stdout(
      `Search index rebuilt: ${formatCount(report.messages)} messages in ${seconds} s; ${describeSize(report)}.\n`,
    );
  return 0;
}

/** Page counts include what is still in the write-ahead log, so no checkpoint is needed first. */
function sizeOf(db: Db) {
  return searchIndexSize(db);
}

function snake(s: { indexBytes: number; databaseBytes: number }) {
  return { index_bytes: s.indexBytes, database_bytes: s.databaseBytes };
}

function describeSize(s: { indexBytes: number; databaseBytes: number }): string {
  const share = s.databaseBytes > 0 ? (100 * s.indexBytes) / s.databaseBytes : 0;
  return `the index takes ${formatBytes(s.indexBytes)}, ${share.toFixed(1)} % of the database (${formatBytes(s.databaseBytes)})`;
}

/** `search --check`: exit 0 when the index matches the messages row for row, 1 (with the fix) when not. */
export function checkIndexCommand(config: ResolvedConfig, json: boolean, out: Out): number {
  // FTS5's integrity check is spelled as an INSERT, which a read-only connection refuses.
  const { check, size } = withDb(
    config,
    (db) => ({ check: checkSearchIndex(db), size: sizeOf(db) }),
    'write',
  );
  if (json) printJson(out, { ...check, ...snake(size) });
  else if (check.ok) out.stdout(`Search index is in step with the messages; ${describeSize(size)}.\n`);
  else
    out.stdout(
      `Search index is damaged: ${check.problem}. Run \`aiobscura search --reindex\` to rebuild it.\n`,
    );
  return check.ok ? 0 : 1;
}
