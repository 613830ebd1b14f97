/**
 * Small Claude Code sessions written by the collector tests, for outcomes no corpus file provokes: an
 * oversized tool call whose response usage rides on a usage carrier, and a marker placed in exactly one
 * event so a server fault can aim at it wherever it is batched.
 */
import fs from 'node:fs';
import path from 'node:path';

export const BIG_SESSION = '0b16b16b-0000-4000-8000-000000000001';

export interface BigSessionOptions {
  /** Bytes of the tool call's input (its `content` string). */
  toolInputBytes?: number;
  /** Text placed inside the tool call's input (to aim a fault at that one event). */
  inputMarker?: string;
  sessionId?: string;
}

function line(sid: string, type: 'user' | 'assistant', n: number, message: object): string {
  return `${JSON.stringify({
    type,
    uuid: `${sid.slice(0, 24)}${String(n).padStart(12, '0')}`,
    parentUuid: n > 1 ? `${sid.slice(0, 24)}${String(n - 1).padStart(12, '0')}` : null,
    sessionId: sid,
    timestamp: new Date(Date.UTC(2026, 10, 27, 9, 0, n)).toISOString(),
    cwd: '/work/big',
    message,
  })}\n`;
}

const usage = {
  input_tokens: 10,
  output_tokens: 7,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
};

/**
 * prompt → assistant tool_use (usage on it, so a usage carrier follows the tool call) → tool result →
 * assistant text → prompt. Returns the file written under `<projectsDir>/-w/`.
 */
export function writeBigToolCallSession(projectsDir: string, opts: BigSessionOptions = {}): string {
  const sid = opts.sessionId ?? BIG_SESSION;
  const body = `${opts.inputMarker ?? ''}${'x'.repeat(opts.toolInputBytes ?? 16)}`;
  const text =
    line(sid, 'user', 1, { role: 'user', content: 'write the big file' }) +
    line(sid, 'assistant', 2, {
      id: `msg_${sid.slice(-4)}_1`,
      role: 'assistant',
      model: 'claude-x',
      content: [
        { type: 'tool_use', id: 'toolu_big', name: 'Write', input: { path: '/tmp/f', content: body } },
      ],
      usage,
    }) +
    line(sid, 'user', 3, {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'toolu_big', content: 'written' }],
    }) +
    line(sid, 'assistant', 4, {
      id: `msg_${sid.slice(-4)}_2`,
      role: 'assistant',
      model: 'claude-x',
      content: [{ type: 'text', text: 'Done.' }],
      usage,
    }) +
    line(sid, 'user', 5, { role: 'user', content: 'thanks' });
  const dir = path.join(projectsDir, '-w');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${sid}.jsonl`);
  fs.writeFileSync(file, text);
  return file;
}
