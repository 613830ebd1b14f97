import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bufferSource,
  FINGERPRINT_BYTES,
  fingerprintPath,
  fingerprintSource,
  hashPrefix,
  openFileSource,
  SourceDecodeError,
} from '../../src/reader/index.js';
import { needs } from '../support/shared.js';
import { ONE_MB_LINE_FILE, rawZstdFrame, tempDir, tempFile } from './helpers.js';

const corpus = needs('corpus');

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex').slice(0, 32);

describe('fingerprints', () => {
  corpus.it('hashes the first 1024 bytes of a long file (32 hex chars of sha256)', () => {
    const head = fs.readFileSync(ONE_MB_LINE_FILE).subarray(0, FINGERPRINT_BYTES);
    const fp = fingerprintPath(ONE_MB_LINE_FILE);
    expect(fp).toEqual({ kind: 'ok', bytes: 1024, hash: sha(head) });
    expect(fp.kind === 'ok' && /^[0-9a-f]{32}$/.test(fp.hash)).toBe(true);
  });

  it('hashes the whole content of a short file', () => {
    expect(fingerprintPath(tempFile('{"a":1}\n'))).toEqual({
      kind: 'ok',
      bytes: 8,
      hash: sha(Buffer.from('{"a":1}\n')),
    });
  });

  it('is too-short for an empty file and gone for a missing path', () => {
    expect(fingerprintPath(tempFile(''))).toEqual({ kind: 'too-short' });
    const dir = tempDir();
    expect(fingerprintPath(path.join(dir, 'missing.jsonl'))).toEqual({ kind: 'gone' });
    expect(fingerprintPath(path.join(dir, 'missing-dir', 'x.jsonl.zst'))).toEqual({ kind: 'gone' });
  });

  corpus.it('fingerprints a .zst cold copy like the plain file it was made from', () => {
    const plain = fs.readFileSync(ONE_MB_LINE_FILE);
    const zst = tempFile(rawZstdFrame(plain), 'copy.jsonl.zst');
    expect(fingerprintPath(zst)).toEqual(fingerprintPath(ONE_MB_LINE_FILE));
  });

  it('throws (not gone) for an undecodable .zst, so the caller can count it as skipped', () => {
    expect(() => fingerprintPath(tempFile('garbage', 'x.jsonl.zst'))).toThrow(SourceDecodeError);
  });

  it('hashPrefix recomputes a short stored fingerprint after the file grew, and detects a rewrite', () => {
    const file = tempFile('{"a":1}\n');
    const stored = fingerprintPath(file);
    if (stored.kind !== 'ok') throw new Error('expected ok');
    fs.appendFileSync(file, '{"b":2}\n'.repeat(500));
    const grown = openFileSource(file);
    expect(hashPrefix(grown, stored.bytes)).toEqual(stored);
    expect(fingerprintSource(grown)).toMatchObject({ kind: 'ok', bytes: 1024 });
    grown.close();

    fs.writeFileSync(file, '{"z":9}\n{"b":2}\n');
    const rewritten = openFileSource(file);
    expect(hashPrefix(rewritten, stored.bytes)).not.toEqual(stored);
    rewritten.close();
  });

  it('hashPrefix is too-short when the source is now shorter than the stored prefix', () => {
    expect(hashPrefix(bufferSource(Buffer.from('abc')), 4)).toEqual({ kind: 'too-short' });
    expect(() => hashPrefix(bufferSource(Buffer.from('abc')), -1)).toThrow(RangeError);
  });
});
