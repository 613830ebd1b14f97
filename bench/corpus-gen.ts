/**
 * The generated data sets, all built from real corpus records with fresh ids (ids.ts):
 * - `generateTree`: copies of whole corpus files laid out as the assistants do, Claude as
 *   `projects/<project>-c<copy>/<session>.jsonl` (with `agent-*.jsonl` and `<session>/subagents/…`) and Codex as
 *   `sessions/2026/01/01/rollout-<ts>-<thread>.jsonl`, until a byte or file count is reached;
 * - `generateSession`: one Claude session of a given size, real records repeated with fresh uuids and
 *   message ids but one `sessionId`;
 * - `appendPool` / `freshRecord`: real records that produce a message (its identity taken from the parser), to append
 *   to live sessions.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type FileContext, parserFor } from '../src/parsers/index.js';
import { IdRewriter } from './ids.js';
import { type SourceFile, sourceFiles } from './sources.js';

export interface Tree {
  root: string;
  claudeDir: string;
  codexDir: string;
  /** Every generated log file, as sync discovers them. */
  files: string[];
  bytes: number;
  claudeFiles: number;
  claudeBytes: number;
}

export function emptyTree(root: string): Tree {
  fs.rmSync(root, { recursive: true, force: true });
  const tree = {
    root,
    claudeDir: path.join(root, 'claude'),
    codexDir: path.join(root, 'codex'),
    files: [],
    bytes: 0,
    claudeFiles: 0,
    claudeBytes: 0,
  };
  fs.mkdirSync(path.join(tree.claudeDir, 'projects'), { recursive: true });
  fs.mkdirSync(path.join(tree.codexDir, 'sessions'), { recursive: true });
  return tree;
}

function targetPath(tree: Tree, src: SourceFile, rw: IdRewriter, copy: number): string {
  if (src.assistant === 'codex') {
    const dir = path.join(tree.codexDir, 'sessions', '2026', '01', '01');
    return path.join(dir, `rollout-${src.inner}-${rw.uuid(src.sessionUuid)}.jsonl`);
  }
  return path.join(tree.claudeDir, 'projects', `${src.project}-c${copy}`, rw.text(src.inner));
}

function writeCopy(tree: Tree, src: SourceFile, rw: IdRewriter, copy: number): void {
  const text = rw.text(fs.readFileSync(src.file, 'latin1'));
  const file = targetPath(tree, src, rw, copy);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { encoding: 'latin1', flag: 'wx' }); // wx: two copies never share a path
  const bytes = Buffer.byteLength(text, 'latin1');
  tree.files.push(file);
  tree.bytes += bytes;
  if (src.assistant === 'claude') {
    tree.claudeFiles++;
    tree.claudeBytes += bytes;
  }
}

export interface TreeTarget {
  /** Stop once this many bytes are written (checked after each whole copy of the source set). */
  minBytes?: number;
  /** Stop once this many files are written (checked after each file). */
  minFiles?: number;
  /** Which corpus files to copy. */
  filter?: (src: SourceFile) => boolean;
}

/** Copies the corpus (or a filtered part of it) with fresh ids until the target is reached. */
export function generateTree(root: string, target: TreeTarget): Tree {
  const tree = emptyTree(root);
  const sources = sourceFiles().filter(target.filter ?? (() => true));
  if (sources.length === 0) throw new Error('no usable corpus files: is ../shared/corpus present?');
  const done = () => tree.bytes >= (target.minBytes ?? 0) && tree.files.length >= (target.minFiles ?? 0);
  for (let copy = 0; !done(); copy++) {
    const rw = new IdRewriter();
    for (const src of sources) {
      writeCopy(tree, src, rw, copy);
      if (target.minBytes === undefined && done()) break;
    }
  }
  return tree;
}

/** Lines of every Claude session file of the corpus, in file order, with the session ids they name. */
function claudeLines(): { lines: string[]; sessionIds: Set<string> } {
  const lines: string[] = [];
  const sessionIds = new Set<string>();
  for (const src of sourceFiles()) {
    if (src.assistant !== 'claude' || src.role !== 'main') continue;
    for (const line of fs.readFileSync(src.file, 'latin1').split('\n')) {
      if (line.trim() === '') continue;
      lines.push(line);
      const m = /"sessionId":"([0-9a-fA-F-]{36})"/.exec(line);
      if (m?.[1]) sessionIds.add(m[1]);
    }
  }
  return { lines, sessionIds };
}

/**
 * Writes one Claude session `<dir>/<sessionId>.jsonl` of at least `targetBytes`: the corpus's Claude records repeated, each repetition
 * with fresh uuids and message ids, every `sessionId` pinned to one new session.
 */
export function generateSession(
  dir: string,
  targetBytes: number,
): { file: string; bytes: number; lines: number; sessionId: string } {
  const { lines, sessionIds } = claudeLines();
  const sessionId = randomUUID();
  const pin = new Map([...sessionIds].map((id) => [id, sessionId]));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${sessionId}.jsonl`);
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  let count = 0;
  try {
    while (bytes < targetBytes) {
      const rw = new IdRewriter(pin);
      let block: string[] = [];
      let blockBytes = 0;
      for (const line of lines) {
        const text = `${rw.text(line)}\n`;
        block.push(text);
        blockBytes += text.length;
        count++;
        if (blockBytes >= 8 * 1024 * 1024 || bytes + blockBytes >= targetBytes) {
          fs.writeSync(fd, block.join(''), null, 'latin1');
          bytes += blockBytes;
          block = [];
          blockBytes = 0;
          if (bytes >= targetBytes) break;
        }
      }
      if (block.length > 0) fs.writeSync(fd, block.join(''), null, 'latin1');
      bytes += blockBytes;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { file, bytes, lines: count, sessionId };
}

export interface PoolRecord {
  line: string;
  sessionId: string;
}

const claudeParser = parserFor('claude');
const POOL_CTX: FileContext = {
  path: 'x.jsonl',
  assistant: 'claude',
  role: 'main',
  stem: 'x',
  agentId: null,
};

/**
 * The identity of the first message the product's parser makes of a Claude line (`claude:<uuid>…:0`), or null.
 * Taken from the parser rather than rebuilt here, so the bench follows the identity scheme wherever it goes.
 */
function firstIdentity(latin1Line: string): string | null {
  let rec: unknown;
  try {
    rec = JSON.parse(Buffer.from(latin1Line, 'latin1').toString('utf8'));
  } catch {
    return null;
  }
  const out = claudeParser.parse(
    { lineNo: 1, offset: 0, json: rec },
    claudeParser.initialState(POOL_CTX),
    POOL_CTX,
  );
  return out.messages[0]?.identity ?? null;
}

/** Real Claude records with a uuid and a session id that produce at least one message. */
export function appendPool(maxLineBytes = 256 * 1024): PoolRecord[] {
  const out: PoolRecord[] = [];
  for (const line of claudeLines().lines) {
    if (line.length > maxLineBytes || !/"uuid":"/.test(line)) continue;
    const session = /"sessionId":"([0-9a-fA-F-]{36})"/.exec(line)?.[1];
    if (session && firstIdentity(line)?.startsWith('claude:')) out.push({ line, sessionId: session });
  }
  return out;
}

/** A pool record with fresh ids, belonging to `sessionId`; `identity` is the message row it must produce. */
export function freshRecord(rec: PoolRecord, sessionId: string): { text: string; identity: string } {
  const rw = new IdRewriter(new Map([[rec.sessionId, sessionId]]));
  const line = rw.text(rec.line);
  const identity = firstIdentity(line);
  if (identity === null)
    throw new Error(`a pool record stopped parsing after its ids were refreshed: ${line.slice(0, 200)}`);
  return { text: `${line}\n`, identity };
}
