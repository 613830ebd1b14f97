import { describe, expect, it } from 'vitest';
import { claudeParser } from '../../../src/parsers/claude/index.js';
import type { FileContext } from '../../../src/parsers/types.js';
import { agentCtx, mainCtx, one, run } from './helpers.js';

const prompt = (extra: object) => ({
  type: 'user',
  uuid: 'u1',
  timestamp: '2025-01-01T00:00:00.000Z',
  message: { role: 'user', content: 'hi' },
  ...extra,
});

describe('session key in main files', () => {
  it('uses the record sessionId, not the file stem', () => {
    const out = one(prompt({ sessionId: 'S-other' }));
    expect(out.sessionKey).toBe('S-other');
    expect(out.messages[0]!.sessionKey).toBe('S-other');
    expect(out.messages[0]!.threadKey).toBe('main');
  });

  it('falls back to the stem when no record named a session', () => {
    expect(one(prompt({})).sessionKey).toBe('sess-1');
  });

  it('gives metadata lines without sessionId the last session seen', () => {
    const outs = run([prompt({ sessionId: 'S1' }), { type: 'file-history-snapshot', messageId: 'u1' }]);
    expect(outs[1]!.sessionKey).toBe('S1');
  });

  it('puts 1.0.x inline sidechain records in the sidechain thread with caller/agent roles', () => {
    const out = one(prompt({ sessionId: 'S1', isSidechain: true }));
    expect(out.messages[0]!.threadKey).toBe('sidechain');
    expect(out.messages[0]!.authorRole).toBe('caller');
  });
});

describe('session key in agent files', () => {
  it('is <parent>:agent-<id> with the parent from the record', () => {
    const out = one(prompt({ sessionId: 'P1', agentId: 'a1', isSidechain: true }), agentCtx);
    expect(out.sessionKey).toBe('P1:agent-a1');
    expect(out.messages[0]!.threadKey).toBe('agent-a1');
    expect(out.messages[0]!.authorRole).toBe('caller');
    expect(out.sessions[0]!.parentSessionKey).toBe('P1');
  });

  it('takes the part before # of a workflow sessionId', () => {
    const out = one(prompt({ sessionId: 'P1#agent-a1', agentId: 'a1' }), agentCtx);
    expect(out.sessionKey).toBe('P1:agent-a1');
  });

  it('falls back to the parent from the path when the record names the agent itself', () => {
    const out = one(prompt({ sessionId: 'agent-a1', agentId: 'a1' }), agentCtx);
    expect(out.sessionKey).toBe('sess-1:agent-a1');
    expect(out.sessions[0]!.parentSessionKey).toBe('sess-1');
  });

  it('uses ctx.agentId and parentSessionFromPath when the record has neither', () => {
    expect(one(prompt({}), agentCtx).sessionKey).toBe('sess-1:agent-a1');
  });

  it('prefers the record agentId over the file name', () => {
    expect(one(prompt({ sessionId: 'P1', agentId: 'zz' }), agentCtx).sessionKey).toBe('P1:agent-zz');
  });

  it('handles a 2.0.x sibling agent file without a parent anywhere', () => {
    const ctx: FileContext = { ...agentCtx, parentSessionFromPath: null };
    expect(one(prompt({}), ctx).sessionKey).toBe('agent-a1');
  });
});

describe('state', () => {
  it('is small and survives a JSON round trip between records', () => {
    let state = claudeParser.initialState(mainCtx);
    claudeParser.parse({ lineNo: 1, offset: 0, json: prompt({ sessionId: 'S9' }) }, state, mainCtx);
    state = JSON.parse(JSON.stringify(state));
    const out = claudeParser.parse({ lineNo: 2, offset: 10, json: { type: 'summary' } }, state, mainCtx);
    expect(out.sessionKey).toBe('S9');
    expect(JSON.stringify(state).length).toBeLessThan(200);
  });

  it('repairs a damaged state instead of throwing', () => {
    const state = { lastSessionKey: 42, customTitle: 'x' } as never;
    const out = claudeParser.parse({ lineNo: 1, offset: 0, json: prompt({}) }, state, mainCtx);
    expect(out.warning).toBeUndefined();
    expect(out.sessionKey).toBe('sess-1');
  });
});

describe('session facts', () => {
  it('reports cwd, branch, version, slug, timestamp; omits an empty branch', () => {
    const out = one(prompt({ sessionId: 'S1', cwd: '/w', gitBranch: '', version: '2.0.1', slug: 'a-b-c' }));
    expect(out.sessions).toEqual([
      {
        sessionKey: 'S1',
        assistant: 'claude',
        cwd: '/w',
        assistantVersion: '2.0.1',
        slug: 'a-b-c',
        timestamp: '2025-01-01T00:00:00.000Z',
      },
    ]);
  });

  it('reports nothing for a record without facts', () => {
    expect(one({ type: 'queue-operation', operation: 'enqueue' }).sessions).toEqual([]);
  });
});
