/** The pi parser over the corpus files, read in place: every line accounted, and migration-proof identities. */
import path from 'node:path';
import { expect } from 'vitest';
import type { LineInput } from '../../../src/parsers/types.js';
import { CORPUS_DIR } from '../../support/corpus.js';
import { needs } from '../../support/shared.js';
import { ctxFor, fileLines, messagesOf, migrateV1, parseLines } from './helpers.js';

const corpus = needs('corpus');

const REAL_V1 = [
  'pi-mono/packages/coding-agent/test/fixtures/before-compaction.jsonl',
  'pi-mono/packages/coding-agent/test/fixtures/large-session.jsonl',
].map((f) => path.join(CORPUS_DIR, f));
const V3 = path.join(CORPUS_DIR, 'agent-sessions/Resources/Fixtures/stage0/agents/pi/small.jsonl');

corpus.describe('pi corpus files', () => {
  for (const file of [...REAL_V1, V3]) {
    corpus.it(`${path.basename(file)}: every line gives a message or a note, no warnings`, () => {
      const r = parseLines(fileLines(file), ctxFor(file));
      for (const o of r.outs) {
        expect(o.warning).toBeUndefined();
        expect(o.messages.length > 0 || (o.note ?? '').length > 0).toBe(true);
      }
      const ids = messagesOf(r).map((m) => m.identity);
      expect(new Set(ids).size).toBe(ids.length);
    });
  }

  corpus.it('the real v1 sessions keep every identity and usage key through the v3 migration', () => {
    // before-compaction.jsonl has compactions with `firstKeptEntryIndex`, which the migration converts.
    const compactions = fileLines(REAL_V1[0]!).filter(
      (l) => (l.json as { type?: string }).type === 'compaction',
    );
    expect(compactions.map((l) => typeof (l.json as Record<string, unknown>).firstKeptEntryIndex)).toEqual([
      'number',
      'number',
    ]);
    for (const file of REAL_V1) {
      const lines = fileLines(file);
      const migrated = migrateV1(lines.map((l) => l.json as Record<string, unknown>));
      const again: LineInput[] = migrated.map((json, i) => ({ lineNo: i + 1, offset: i, json }));
      const a = parseLines(lines, ctxFor(file));
      const b = parseLines(again, ctxFor(file));
      expect(messagesOf(b)).toEqual(messagesOf(a));
      expect(b.outs.flatMap((o) => o.usage)).toEqual(a.outs.flatMap((o) => o.usage));
    }
  });
});
