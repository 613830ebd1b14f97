import { describe, expect, it } from 'vitest';
import { claudeParser } from '../../../src/parsers/claude/index.js';
import { mainCtx, one, run } from './helpers.js';

const sys = (extra: object) => ({
  type: 'system',
  uuid: 's1',
  sessionId: 'S1',
  timestamp: '2025-01-01T00:00:02.000Z',
  ...extra,
});

describe('system records', () => {
  it('maps api_error to an error, which closes no group', () => {
    const out = one(sys({ subtype: 'api_error', error: { message: 'overloaded' }, retryAttempt: 1 }));
    expect(out.kind).toBe('system/api_error');
    expect(out.closesGroups).toBe(false);
    expect(out.messages).toEqual([expect.objectContaining({ messageType: 'error', authorRole: 'system' })]);
    expect(out.messages[0]!.content).toBe('overloaded');
  });

  it('maps the 2.1.2xx error subtype to an error too', () => {
    expect(one(sys({ subtype: 'error', error: 'boom' })).messages[0]).toMatchObject({
      messageType: 'error',
      content: 'boom',
    });
  });

  it('maps compact_boundary to context with its trigger', () => {
    const out = one(
      sys({
        subtype: 'compact_boundary',
        content: 'Conversation compacted',
        compactMetadata: { trigger: 'auto', preTokens: 5 },
      }),
    );
    expect(out.messages[0]).toMatchObject({
      messageType: 'context',
      authorRole: 'system',
      content: 'Conversation compacted (trigger: auto, preTokens: 5)',
    });
  });

  it('maps local_command and subtype-less 1.0.x notices to context', () => {
    expect(
      one(sys({ subtype: 'local_command', content: '<command-name>/model</command-name>' })).messages,
    ).toHaveLength(1);
    const notice = one(sys({ content: 'Running \u001b[1mPostToolUse:Edit\u001b[22m...', level: 'info' }));
    expect(notice.kind).toBe('system');
    expect(notice.messages[0]!.messageType).toBe('context');
  });

  it('maps away_summary to a summary', () => {
    expect(one(sys({ subtype: 'away_summary', content: 'We did X.' })).messages[0]).toMatchObject({
      messageType: 'summary',
      authorRole: 'system',
    });
  });

  it('produces no message for bookkeeping subtypes, and closes no group', () => {
    for (const subtype of [
      'turn_duration',
      'stop_hook_summary',
      'session_start',
      'api_refusal',
      'brand_new',
    ]) {
      const out = one(sys({ subtype, durationMs: 5 }));
      expect(out.messages).toEqual([]);
      expect(out.note).toBe('system metadata');
      expect(out.closesGroups).toBe(false);
    }
  });
});

describe('metadata and other kinds', () => {
  it('labels kinds with subtype, data.type or attachment.type', () => {
    expect(one({ type: 'progress', data: { type: 'hook_progress' } }).kind).toBe('progress/hook_progress');
    expect(one({ type: 'attachment', attachment: { type: 'hook_success' } }).kind).toBe(
      'attachment/hook_success',
    );
    expect(one({ type: 'summary', summary: 'x' }).kind).toBe('summary');
    expect(one({ summary: 'x' }).kind).toBe('(untyped)');
  });

  it('produces no messages, with a note saying why', () => {
    const cases: [object, string][] = [
      [{ type: 'summary', summary: 'Title', leafUuid: 'x' }, 'metadata'],
      [{ type: 'file-history-snapshot', messageId: 'u', snapshot: {} }, 'metadata'],
      [{ type: 'queue-operation', operation: 'enqueue', content: 'hi' }, 'metadata'],
      [{ type: 'permission-mode', permissionMode: 'plan' }, 'metadata'],
      [{ type: 'last-prompt', lastPrompt: 'x' }, 'metadata'],
      [{ type: 'progress', data: { type: 'bash_progress' } }, 'progress'],
      [{ type: 'attachment', attachment: { type: 'task_reminder' } }, 'attachment'],
      [{ type: 'tool-result', message: { content: [{ type: 'tool_result' }] } }, 'unknown record kind'],
    ];
    for (const [rec, note] of cases) {
      const out = one(rec);
      expect(out.messages).toEqual([]);
      expect(out.note).toBe(note);
      expect(out.closesGroups).toBe(false);
      expect(out.warning).toBeUndefined();
    }
  });

  it('links agents from agent_progress', () => {
    const out = one({
      type: 'progress',
      sessionId: 'S1',
      parentToolUseID: 'toolu_task',
      data: { type: 'agent_progress', agentId: 'a77', message: {} },
    });
    expect(out.links).toEqual([{ parentSessionKey: 'S1', agentId: 'a77', toolUseId: 'toolu_task' }]);
  });

  it('sets titles, a custom title winning over later AI titles', () => {
    const outs = run([
      { type: 'ai-title', aiTitle: 'AI 1', sessionId: 'S1' },
      { type: 'custom-title', customTitle: 'Mine', sessionId: 'S1' },
      { type: 'ai-title', aiTitle: 'AI 2', sessionId: 'S1' },
    ]);
    expect(outs.map((o) => o.sessions[0]?.title)).toEqual(['AI 1', 'Mine', undefined]);
  });

  it('warns about non-object lines and never throws', () => {
    for (const json of [null, 1, 'x', [1], true]) {
      const out = one(json);
      expect(out.messages).toEqual([]);
      expect(out.warning).toBe('record is not a JSON object');
    }
  });

  it('catches anything thrown deep inside and returns a warning', () => {
    const evil = {
      type: 'user',
      get message(): never {
        throw new Error('boom');
      },
    };
    const out = claudeParser.parse(
      { lineNo: 1, offset: 0, json: evil },
      claudeParser.initialState(mainCtx),
      mainCtx,
    );
    expect(out.warning).toContain('boom');
    expect(out.messages).toEqual([]);
  });
});
