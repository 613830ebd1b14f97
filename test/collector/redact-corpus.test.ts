/**
 * No false positive on the corpus: every string of every record of every real log in the corpus goes through
 * the redactor unchanged. The corpus is ordinary work (code, diffs, shell output, base64 images, hashes) and
 * holds no credential; a hit here is a detector that would damage what the server stores.
 */
import fs from 'node:fs';
import { expect, it } from 'vitest';
import { createRedactor, redactDeep } from '../../src/collector/redact/index.js';
import { CORPUS_DIR, walkFiles } from '../support/corpus.js';
import { needs } from '../support/shared.js';

const corpus = needs('corpus');

function* strings(v: unknown): Generator<string> {
  if (typeof v === 'string') yield v;
  else if (Array.isArray(v)) for (const x of v) yield* strings(x);
  else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) yield* strings(x);
}

corpus.describe('the corpus', () => {
  it('has no record the built-in detectors change', () => {
    const redact = createRedactor();
    const hits: string[] = [];
    // Proof that the detectors really ran on look-alikes, not only on text without any trigger.
    const lookAlikes = { passwordOrSecret: 0, skDash: 0, eyJ: 0, urlWithAt: 0, begin: 0 };
    let records = 0;
    for (const file of walkFiles(CORPUS_DIR).filter((f) => f.endsWith('.jsonl'))) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        let record: unknown;
        try {
          record = JSON.parse(line);
        } catch {
          continue;
        }
        records++;
        for (const s of strings(record)) {
          if (/password|secret/i.test(s)) lookAlikes.passwordOrSecret++;
          if (s.includes('sk-')) lookAlikes.skDash++;
          if (s.includes('eyJ')) lookAlikes.eyJ++;
          if (/:\/\/[^\s/]*@/.test(s)) lookAlikes.urlWithAt++;
          if (s.includes('-----BEGIN')) lookAlikes.begin++;
        }
        // The whole record as raw_data and tool parameters go out: strings and secret-named fields.
        const out = JSON.stringify(redactDeep(record, redact));
        if (out !== JSON.stringify(record))
          hits.push(`${file}: ${out.match(/.{0,60}\[REDACTED:[a-z_]+\].{0,20}/s)?.[0]}`);
      }
    }
    expect(records).toBeGreaterThan(4_000);
    expect(lookAlikes.passwordOrSecret).toBeGreaterThan(0);
    expect(lookAlikes.skDash).toBeGreaterThan(0);
    expect(lookAlikes.eyJ).toBeGreaterThan(0);
    expect(hits).toEqual([]);
  });
});
