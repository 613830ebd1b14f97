/**
 * The storage floor (DESIGN.md §4): the least any lossless ingest must do with the same files. Read each file
 * with `fs.readSync` into one reused buffer, split on `\n`, `JSON.parse` every line, and insert each raw line
 * as one row into a database opened with the product's `openDatabase` (its pragmas: WAL, synchronous NORMAL,
 * cache size), committing every 2,000 lines as the product does. `parseOnly` is the same loop without the
 * database.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/store/index.js';

const BUFFER_BYTES = 1024 * 1024;
const LINES_PER_TRANSACTION = 2_000;

export interface FloorResult {
  bytes: number;
  lines: number;
  invalidLines: number;
  ms: number;
}

type OnLine = (buf: Buffer, start: number, end: number) => void;

/** Calls `onLine` for every non-empty `\n`-terminated line (and an unterminated last one). */
function scanFile(file: string, state: { buf: Buffer }, onLine: OnLine): number {
  const fd = fs.openSync(file, 'r');
  let total = 0;
  try {
    let len = 0;
    for (;;) {
      if (len === state.buf.length) {
        // One line longer than the buffer: grow it (real lines reach 1 MB), as any reader must.
        const bigger = Buffer.allocUnsafe(state.buf.length * 2);
        state.buf.copy(bigger, 0, 0, len);
        state.buf = bigger;
      }
      const buf = state.buf;
      const n = fs.readSync(fd, buf, len, buf.length - len, null);
      total += n;
      if (n === 0) {
        if (len > 0) onLine(buf, 0, len);
        break;
      }
      len += n;
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl !== -1 && nl < len; nl = buf.indexOf(10, start)) {
        if (nl > start) onLine(buf, start, nl);
        start = nl + 1;
      }
      buf.copy(buf, 0, start, len);
      len -= start;
    }
  } finally {
    fs.closeSync(fd);
  }
  return total;
}

function parseLine(buf: Buffer, start: number, end: number): boolean {
  try {
    JSON.parse(buf.toString('utf8', start, end));
    return true;
  } catch {
    return false;
  }
}

/** Read + split + `JSON.parse`, nothing stored. */
export function parseOnly(files: string[]): FloorResult {
  const started = performance.now();
  const state = { buf: Buffer.allocUnsafe(BUFFER_BYTES) };
  const r: FloorResult = { bytes: 0, lines: 0, invalidLines: 0, ms: 0 };
  for (const file of files) {
    r.bytes += scanFile(file, state, (buf, s, e) => {
      r.lines++;
      if (!parseLine(buf, s, e)) r.invalidLines++;
    });
  }
  r.ms = performance.now() - started;
  return r;
}

/** Read + split + `JSON.parse` + one row per raw line, into a fresh database at `dbPath`. */
export function storageFloor(files: string[], dbPath: string): FloorResult {
  const started = performance.now();
  const db = openDatabase(dbPath);
  db.exec('CREATE TABLE floor_lines (id INTEGER PRIMARY KEY, raw BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO floor_lines (raw) VALUES (?)');
  const state = { buf: Buffer.allocUnsafe(BUFFER_BYTES) };
  const r: FloorResult = { bytes: 0, lines: 0, invalidLines: 0, ms: 0 };
  let inTransaction = 0;
  db.exec('BEGIN');
  for (const file of files) {
    r.bytes += scanFile(file, state, (buf, s, e) => {
      r.lines++;
      if (!parseLine(buf, s, e)) r.invalidLines++;
      insert.run(buf.subarray(s, e));
      if (++inTransaction >= LINES_PER_TRANSACTION) {
        db.exec('COMMIT; BEGIN');
        inTransaction = 0;
      }
    });
  }
  db.exec('COMMIT');
  db.close();
  r.ms = performance.now() - started;
  return r;
}

/**
 * `node dist/bench/storage-floor.js parse|floor <file-list.json> [db]`: one measurement in a fresh process,
 * printed as JSON, so the figure is not skewed by the generator's heap in the bench process.
 */
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mode, listFile, db] = process.argv.slice(2);
  const files = JSON.parse(fs.readFileSync(listFile ?? '', 'utf8')) as string[];
  const r = mode === 'floor' && db ? storageFloor(files, db) : parseOnly(files);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
