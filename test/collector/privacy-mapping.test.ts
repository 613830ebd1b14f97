/**
 * Privacy inside the mapping (src/collector/events.ts): redaction and withholding happen before sanitize and
 * shrink, so `max_event_bytes` is enforced on what is really sent; hashes never change; `session_start`
 * metadata is redacted too; a withheld failed tool result keeps `success: false` without its text.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_EVENT_BYTES,
  eventBytes,
  messageEvents,
  sessionStartEvent,
} from '../../src/collector/mapping.js';
import { mappingOptionsFor } from '../../src/collector/mapping-options.js';
import { createRedactor } from '../../src/collector/redact/index.js';
import type { LocalMessage, MappingOptions } from '../../src/collector/types.js';
import { TOOL_RESULT_WITHHELD } from '../../src/collector/withhold.js';

const PLAIN: MappingOptions = { maxEventBytes: DEFAULT_MAX_EVENT_BYTES, sendRawData: true };
const REDACT: MappingOptions = { ...PLAIN, redact: createRedactor() };

function msg(over: Partial<LocalMessage>): LocalMessage {
  return {
    id: 1,
    sessionId: 's1',
    seq: 1,
    identity: 'claude:u1:0',
    threadKey: 'main',
    emittedAt: '2026-02-24T10:00:02.000Z',
    observedAt: '2026-02-24T10:00:03.000Z',
    messageType: 'tool_result',
    authorRole: 'tool',
    content: null,
    toolName: 'Bash',
    toolUseId: 'toolu_1',
    toolInput: null,
    toolResult: 'ok',
    isError: false,
    model: null,
    stopReason: null,
    tokens: null,
    raw: null,
    rawIsUtf8: true,
    ...over,
  };
}

const pem = (bodyBytes: number) =>
  `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(bodyBytes)}\n-----END PRIVATE KEY-----`;

describe('redaction comes before shrinking', () => {
  it('a large secret that redaction removes leaves an event that needs no truncation', () => {
    const m = msg({ toolResult: `key:\n${pem(20_000)}` });
    const small = { maxEventBytes: 8 * 1024 };
    const [plain] = messageEvents(m, 'w1', { ...PLAIN, ...small });
    const [redacted] = messageEvents(m, 'w1', { ...REDACT, ...small });
    expect(plain!.data.truncated).toBe(true);
    expect(redacted!.data.truncated).toBeUndefined();
    expect(redacted!.data.result).toBe('key:\n[REDACTED:private_key]');
    expect(redacted!.event_hash).toBe(plain!.event_hash);
  });

  it('a custom pattern that makes the text longer is still shrunk to max_event_bytes', () => {
    const m = msg({ toolResult: '7'.repeat(6000) });
    const opts = { ...PLAIN, maxEventBytes: 8 * 1024, redact: createRedactor(['7']) };
    const [e] = messageEvents(m, 'w1', opts);
    expect(eventBytes(e!)).toBeLessThanOrEqual(8 * 1024);
    expect(e!.data.truncated).toBe(true);
    expect(String(e!.data.result).startsWith('[REDACTED:custom][REDACTED:custom]')).toBe(true);
  });
});

describe('session_start', () => {
  it('redacts the working directory and branch with the configured patterns; the hash stays', () => {
    const session = {
      id: 's1',
      assistant: 'claude' as const,
      cwd: '/home/alice/acme-payments',
      gitBranch: 'fix/ACME-123456',
      assistantVersion: '2.1.0',
      parentSessionId: null,
      slug: null,
      startedAt: '2026-02-24T10:00:00.000Z',
    };
    const options = mappingOptionsFor({
      maxEventBytes: DEFAULT_MAX_EVENT_BYTES,
      sendRawData: true,
      sendThinking: true,
      sendToolResults: true,
      redact: true,
      redactPatterns: ['alice', 'ACME-\\d{6}'],
    });
    const plain = sessionStartEvent(session, '2026-02-24T10:00:01.000Z');
    const redacted = sessionStartEvent(
      session,
      '2026-02-24T10:00:01.000Z',
      DEFAULT_MAX_EVENT_BYTES,
      options.redact,
    );
    expect(redacted.data).toMatchObject({
      working_directory: '/home/[REDACTED:custom]/acme-payments',
      git_branch: 'fix/[REDACTED:custom]',
      agent_version: '2.1.0',
    });
    expect(redacted.event_hash).toBe(plain.event_hash);
    // redact = false switches the custom patterns off too.
    expect(
      mappingOptionsFor({
        ...{ maxEventBytes: 1e5, sendRawData: true, sendThinking: true, sendToolResults: true },
        redact: false,
        redactPatterns: ['x'],
      }).redact,
    ).toBeNull();
  });
});

describe('send_tool_results = false', () => {
  it('a failed result keeps success = false and its link, with result and error_message withheld', () => {
    const raw = Buffer.from(
      JSON.stringify({
        type: 'user',
        message: {
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'permission denied: /etc/shadow' },
          ],
        },
        toolUseResult: { stderr: 'permission denied: /etc/shadow' },
      }),
    );
    const m = msg({ toolResult: 'permission denied: /etc/shadow', isError: true, raw });
    const [on] = messageEvents(m, 'w1', PLAIN);
    const [off] = messageEvents(m, 'w1', { ...PLAIN, sendToolResults: false });
    expect(off!.data).toMatchObject({
      tool_use_id: 'toolu_1',
      tool_name: 'Bash',
      success: false,
      result: TOOL_RESULT_WITHHELD,
      error_message: TOOL_RESULT_WITHHELD,
      withheld: true,
    });
    expect(JSON.stringify(off)).not.toContain('/etc/shadow');
    expect(JSON.stringify(on)).toContain('/etc/shadow');
    expect(off!.event_hash).toBe(on!.event_hash);
  });
});
