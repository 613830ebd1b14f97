/**
 * Every Claude Code file of the shared corpus, line by line. The golden numbers are computed here from the
 * raw JSONL with independent expressions, never from the parser's own output.
 */
import path from 'node:path';
import { expect, it } from 'vitest';
import type { RecordOutput } from '../../../src/parsers/types.js';
import { needs } from '../../support/shared.js';
import { CORPUS, claudeCorpusFiles, type Line, parseFile } from './helpers.js';

const corpus = needs('corpus');

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
// Read only when the corpus is there: without it the tests that use this are skipped (support/shared.ts).
const files = corpus.missing ? [] : claudeCorpusFiles();
const parsed = files.map((file) => ({ file, ...parseFile(file) }));

function records(lines: Line[]): Rec[] {
  return lines.filter((l) => l.valid && isRec(l.json)).map((l) => l.json as Rec);
}
function blocksOf(rec: Rec): Rec[] {
  const content = isRec(rec.message) ? rec.message.content : undefined;
  return Array.isArray(content) ? content.filter(isRec) : [];
}
const outs = (o: (RecordOutput | null)[]): RecordOutput[] => o.filter((x): x is RecordOutput => x !== null);
const messages = (o: (RecordOutput | null)[]) => outs(o).flatMap((x) => x.messages);
const rel = (f: string) => path.relative(CORPUS, f);

/** Raw response key, as the format guide defines the grouping: message.id → requestId → uuid. */
function rawResponseKey(rec: Rec): string | null {
  const msg = isRec(rec.message) ? rec.message : {};
  for (const v of [msg.id, rec.requestId, rec.uuid]) if (typeof v === 'string' && v !== '') return v;
  return null;
}

corpus.describe('corpus', () => {
  it('has the Claude files it should', () => {
    expect(files.length).toBeGreaterThan(150);
  });

  it('parses every non-empty valid line of every file without an internal failure', () => {
    for (const { file, lines, outputs } of parsed) {
      lines.forEach((line, i) => {
        const out = outputs[i];
        if (!line.valid || line.text.trim() === '') return;
        expect(out, `${rel(file)}:${line.lineNo}`).toBeTruthy();
        expect(typeof out!.kind).toBe('string');
        expect(out!.warning ?? '', `${rel(file)}:${line.lineNo}`).not.toContain('parser failed');
        // Only lines that are not JSON objects deserve a warning.
        expect(out!.warning !== undefined).toBe(!isRec(line.json));
        for (const m of out!.messages) {
          expect(m.identity).toMatch(/^claude:/);
          expect(m.sessionKey).toBe(out!.sessionKey);
        }
      });
    }
  });

  it('reports one response key per distinct raw message.id of assistant records with usage', () => {
    for (const { file, lines, outputs } of parsed) {
      const raw = new Set(
        records(lines)
          .filter((r) => r.type === 'assistant' && isRec(r.message) && isRec(r.message.usage))
          .map((r) => `claude:${rawResponseKey(r)}`),
      );
      const reported = new Set(outs(outputs).flatMap((o) => o.usage.map((u) => u.responseKey)));
      expect([...reported].sort(), rel(file)).toEqual([...raw].sort());
    }
  });

  it('totals output tokens as the sum over distinct message ids of the max output_tokens', () => {
    let checked = 0;
    for (const { file, lines, outputs } of parsed) {
      const rawMax = new Map<string, number>();
      for (const r of records(lines)) {
        const msg = isRec(r.message) ? r.message : {};
        if (r.type !== 'assistant' || !isRec(msg.usage)) continue;
        const n = typeof msg.usage.output_tokens === 'number' ? msg.usage.output_tokens : 0;
        const key = String(rawResponseKey(r));
        rawMax.set(key, Math.max(rawMax.get(key) ?? 0, n));
      }
      const combined = new Map<string, number>();
      for (const u of outs(outputs).flatMap((o) => o.usage)) {
        combined.set(u.responseKey, Math.max(combined.get(u.responseKey) ?? 0, u.tokens.output));
      }
      const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
      expect(sum(combined), rel(file)).toBe(sum(rawMax));
      checked += sum(rawMax) > 0 ? 1 : 0;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('makes one tool_call per tool_use block and one thinking per thinking block', () => {
    let calls = 0;
    for (const { file, lines, outputs } of parsed) {
      const assistants = records(lines).filter((r) => r.type === 'assistant');
      const toolUses = assistants.flatMap(blocksOf).filter((b) => b.type === 'tool_use').length;
      const thinking = assistants.flatMap(blocksOf).filter((b) => b.type === 'thinking').length;
      const msgs = messages(outputs);
      expect(msgs.filter((m) => m.messageType === 'tool_call').length, rel(file)).toBe(toolUses);
      expect(msgs.filter((m) => m.messageType === 'thinking').length, rel(file)).toBe(thinking);
      calls += toolUses;
    }
    expect(calls).toBeGreaterThan(1000);
  });

  it('makes one tool_result per tool_result block of user records', () => {
    for (const { file, lines, outputs } of parsed) {
      const raw = records(lines)
        .filter((r) => r.type === 'user')
        .flatMap(blocksOf)
        .filter((b) => b.type === 'tool_result').length;
      expect(messages(outputs).filter((m) => m.messageType === 'tool_result').length, rel(file)).toBe(raw);
    }
  });

  it('makes one plan per ExitPlanMode call that carries a plan', () => {
    let total = 0;
    for (const { file, lines, outputs } of parsed) {
      const raw = records(lines)
        .filter((r) => r.type === 'assistant')
        .flatMap(blocksOf)
        .filter(
          (b) => b.name === 'ExitPlanMode' && isRec(b.input) && typeof b.input.plan === 'string',
        ).length;
      expect(messages(outputs).filter((m) => m.messageType === 'plan').length, rel(file)).toBe(raw);
      total += raw;
    }
    expect(total).toBe(10);
  });

  it('gives distinct identities when the file has distinct uuids', () => {
    let checked = 0;
    for (const { file, lines, outputs } of parsed) {
      const uuids = records(lines)
        .map((r) => r.uuid)
        .filter((u) => typeof u === 'string');
      if (new Set(uuids).size !== uuids.length) continue; // resumed copies, redacted fixtures
      const ids = messages(outputs).map((m) => m.identity);
      expect(new Set(ids).size, rel(file)).toBe(ids.length);
      checked++;
    }
    expect(checked).toBeGreaterThan(140);
  });

  it('never counts a harness wrapper or a meta record as a human prompt', () => {
    const wrappers =
      /^\s*(<command-|<local-command-|<bash-|<system-reminder>|<task-notification>|\[Request interrupted)/;
    for (const { lines, outputs } of parsed) {
      for (const m of messages(outputs)) {
        if (m.messageType === 'prompt') expect(m.content ?? '').not.toMatch(wrappers);
      }
      lines.forEach((line, i) => {
        if (isRec(line.json) && line.json.isMeta === true) {
          expect(outputs[i]!.messages.filter((m) => m.messageType === 'prompt')).toEqual([]);
        }
      });
    }
  });

  it('splits a real 2.1.x session into the expected session keys and links its agents', () => {
    const dir = '-experiments-worktrees/ef958aa1-0e93-49f0-bb71-150f63befcd1';
    const agentFiles = parsed.filter((p) => rel(p.file).includes(`${dir}/subagents/agent-`));
    expect(agentFiles.length).toBeGreaterThan(0);
    for (const p of agentFiles) {
      const agentId = path.basename(p.file, '.jsonl').slice('agent-'.length);
      const keys = new Set(outs(p.outputs).map((o) => o.sessionKey));
      expect([...keys]).toEqual([`ef958aa1-0e93-49f0-bb71-150f63befcd1:agent-${agentId}`]);
    }
    const main = parsed.find((p) => rel(p.file).endsWith(`${dir}.jsonl`))!;
    const rawLinks = records(main.lines).filter(
      (r) => isRec(r.toolUseResult) && typeof r.toolUseResult.agentId === 'string',
    );
    expect(rawLinks.length).toBeGreaterThan(0);
    expect(outs(main.outputs).flatMap((o) => o.links).length).toBe(rawLinks.length);
  });
});
