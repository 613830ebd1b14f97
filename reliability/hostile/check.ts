/**
 * The pure half of the hostile-input check: one line goes through what ingest and the collector do with it
 * (UTF-8 decode, `decodeLine`, the assistant's parser with the file's running state, the parser state's JSON,
 * then for every message the collector mapping with and without `raw_data`, sanitizing, shrinking and the
 * pre-send validator), and every invariant is checked. A broken invariant throws `HostileFailure`; anything
 * else is an outcome: the line was stored as messages, stored with a warning, or only warned about.
 */
import { messageEvents, validateEvent } from '../../src/collector/mapping.js';
import type { CollectorEvent, LocalMessage } from '../../src/collector/types.js';
import { type Assistant, type FileContext, parserFor, type RecordOutput } from '../../src/parsers/index.js';
import { decodeLine } from '../../src/reader/index.js';

export type Outcome = 'stored-messages' | 'stored-with-note' | 'warned-and-stored' | 'warned-no-record';

export interface LineResult {
  outcome: Outcome;
  /** What the user is told about this line (ingest stores each in `ingest_warnings` with file and line). */
  warnings: string[];
  messages: number;
  events: number;
}

export class HostileFailure extends Error {
  override readonly name = 'HostileFailure';
}

const MAX_EVENT_BYTES = 512 * 1024;
const FALLBACK_TIME = '2026-01-01T00:00:00.000Z';

export function contextFor(assistant: Assistant, stem = 'hostile-0000'): FileContext {
  return assistant === 'claude'
    ? {
        path: `/hostile/${stem}.jsonl`,
        assistant,
        role: 'main',
        stem,
        agentId: null,
        parentSessionFromPath: null,
      }
    : { path: `/hostile/rollout-${stem}.jsonl`, assistant, role: 'main', stem: `rollout-${stem}` };
}

function localMessage(m: RecordOutput['messages'][number], raw: Buffer, text: string): LocalMessage {
  return {
    id: 1,
    sessionId: m.sessionKey,
    seq: 1,
    identity: m.identity,
    threadKey: m.threadKey,
    emittedAt: m.emittedAt ?? FALLBACK_TIME,
    observedAt: FALLBACK_TIME,
    messageType: m.messageType,
    authorRole: m.authorRole,
    content: m.content,
    toolName: m.toolName ?? null,
    toolUseId: m.toolUseId ?? null,
    toolInput: m.toolInput ?? null,
    toolResult: m.toolResult ?? null,
    isError: m.isError ?? false,
    model: m.model ?? null,
    stopReason: m.stopReason ?? null,
    tokens: { input: 1, output: 2, cacheRead: 3, cacheCreation: 4 },
    raw,
    rawIsUtf8: !text.includes('\uFFFD') || Buffer.from(text, 'utf8').equals(raw),
  };
}

function must(cond: boolean, what: string): void {
  if (!cond) throw new HostileFailure(what);
}

function checkEvents(events: CollectorEvent[], what: string): void {
  for (const e of events) {
    let json: string;
    try {
      json = JSON.stringify(e);
    } catch (err) {
      throw new HostileFailure(`${what}: event cannot be serialised (${(err as Error).message})`);
    }
    must(
      Buffer.byteLength(json) <= MAX_EVENT_BYTES,
      `${what}: event of ${json.length} chars over the size limit`,
    );
    const problems = validateEvent(e);
    const unsanitized = problems.filter((p) => p.includes('U+0000'));
    must(unsanitized.length === 0, `${what}: sanitizing left ${unsanitized.join('; ')}`);
  }
}

/** Runs lines of one file through the pure pipeline, keeping the parser state between lines as ingest does. */
export class LineChecker {
  private readonly parser;
  private state: unknown;

  constructor(private readonly ctx: FileContext) {
    this.parser = parserFor(ctx.assistant);
    this.state = this.parser.initialState(ctx);
  }

  check(raw: Buffer, lineNo = 1): LineResult {
    const text = raw.toString('utf8');
    const decoded = decodeLine(text);
    const warnings = decoded.warning ? [decoded.warning] : [];
    must(
      decoded.values.length > 0 || decoded.warning !== undefined || text.trim() === '',
      'a non-blank line gave no record and no warning',
    );
    let messages = 0;
    let events = 0;
    for (const json of decoded.values) {
      const out = this.parser.parse({ lineNo, offset: 0, json }, this.state, this.ctx);
      must(
        typeof out.kind === 'string' && Array.isArray(out.messages) && Array.isArray(out.usage),
        'parser output is malformed',
      );
      // The parsers catch their own exceptions as a last resort; reaching it on valid JSON is a bug.
      must(!/parser failed/.test(out.warning ?? ''), `parser threw on valid JSON: ${out.warning}`);
      // A record that yields no message must say why: a warning, or a note stored with its raw line
      // (`no message content`, `unknown record kind`…), which `aiobscura show` and the records table keep.
      must(
        out.messages.length > 0 ||
          out.warning !== undefined ||
          (out.note ?? '') !== '' ||
          out.usage.length > 0,
        `record kind ${out.kind} gave no message, no warning and no note`,
      );
      if (out.warning) warnings.push(out.warning);
      // Ingest stores the state after every chunk: it must stay serialisable and survive a round trip.
      this.state = JSON.parse(JSON.stringify(this.state));
      for (const m of out.messages) {
        messages++;
        const msg = localMessage(m, raw, text);
        for (const sendRawData of [false, true]) {
          let evs: CollectorEvent[];
          try {
            evs = messageEvents(msg, 'hostile-session', { maxEventBytes: MAX_EVENT_BYTES, sendRawData });
          } catch (err) {
            throw new HostileFailure(`mapping threw (raw_data ${sendRawData}): ${(err as Error).message}`);
          }
          checkEvents(evs, `${m.messageType} event (raw_data ${sendRawData})`);
          if (!sendRawData) events += evs.length;
        }
      }
    }
    const outcome: Outcome =
      warnings.length === 0
        ? messages > 0
          ? 'stored-messages'
          : 'stored-with-note'
        : decoded.values.length > 0
          ? 'warned-and-stored'
          : 'warned-no-record';
    return { outcome, warnings, messages, events };
  }
}
