/**
 * A Claude Code session with planted fake credentials in every kind of content that leaves the machine (prompt,
 * thinking, tool input, tool output, assistant text, working directory), for the privacy tests. The values are
 * assembled at run time so the repository holds no string a secret scanner would flag.
 */
import fs from 'node:fs';
import path from 'node:path';

const run = (seed: string, n: number) => seed.repeat(Math.ceil(n / seed.length)).slice(0, n);

export const PLANTED = {
  github: `ghp_${run('Q3vX9kLm2Pz7', 36)}`,
  aws: `AKIA${'Z5Q2M7K3P9X4W6R8'}`,
  jwt: `eyJhbGciOiJIUzI1NiJ9.${Buffer.from('{"sub":"user-42"}').toString('base64url')}.${run('s1GnAtUr3x', 43)}`,
  pemBody: run('MIIEowIBAAKCAQEA7vQ', 120),
  password: 'hunter2-prod-9',
} as const;

export const PLANTED_KINDS = ['github_token', 'aws_access_key', 'jwt', 'private_key', 'password_assignment'];

export const PLANTED_SESSION = '5ec0e700-0000-4000-8000-000000000001';

function line(type: 'user' | 'assistant', n: number, cwd: string | null, message: object): string {
  return `${JSON.stringify({
    type,
    uuid: `5ec0e700-0000-4000-8000-${String(n).padStart(12, '0')}`,
    parentUuid: n > 1 ? `5ec0e700-0000-4000-8000-${String(n - 1).padStart(12, '0')}` : null,
    sessionId: PLANTED_SESSION,
    timestamp: new Date(Date.UTC(2026, 10, 27, 9, 0, n)).toISOString(),
    ...(cwd === null ? {} : { cwd }),
    message,
  })}\n`;
}

const usage = {
  input_tokens: 10,
  output_tokens: 5,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
};

/** Writes the session as `<projectsDir>/-w/<session>.jsonl` (session id overridable) and returns its path. */
export function writePlantedSession(
  projectsDir: string,
  opts: { cwd?: string | null; sessionId?: string; at?: Date } = {},
): string {
  const cwd = opts.cwd === undefined ? '/work/secret-project' : opts.cwd;
  const p = PLANTED;
  const assistant = (n: number, id: string, block: object) =>
    line('assistant', n, cwd, { id, role: 'assistant', model: 'claude-x', content: [block], usage });
  let text =
    line('user', 1, cwd, { role: 'user', content: `deploy it, the token is ${p.github}` }) +
    assistant(2, 'msg_1', {
      type: 'thinking',
      thinking: `I will log in with ${p.aws} first`,
      signature: 'c2ln',
    }) +
    assistant(3, 'msg_1', {
      type: 'tool_use',
      id: 'toolu_planted',
      name: 'Bash',
      input: { command: `curl -H "Authorization: Bearer ${p.jwt}" https://api.internal/deploy` },
    }) +
    line('user', 4, cwd, {
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: 'toolu_planted',
          content: `-----BEGIN RSA PRIVATE KEY-----\n${p.pemBody}\n-----END RSA PRIVATE KEY-----`,
        },
      ],
    }) +
    assistant(5, 'msg_2', { type: 'text', text: `Deployed. Set password = "${p.password}" in the vault.` }) +
    line('user', 6, cwd, { role: 'user', content: 'thanks' });
  const sid = opts.sessionId;
  if (sid) {
    // Record uuids must differ between sessions too: the store treats a repeated uuid as the same record.
    text = text
      .replaceAll(PLANTED_SESSION, sid)
      .replace(
        /"(uuid|parentUuid)":"5ec0e700-0000-4000-8000-0000(\d{8})"/g,
        (_m, k: string, n: string) => `"${k}":"${sid.slice(0, 24)}${sid.slice(-4)}${n}"`,
      )
      // So are API message ids: usage is counted once per response across sessions.
      .replaceAll('"id":"msg_', `"id":"msg_${sid.slice(-4)}_`);
  }
  if (opts.at) {
    // Shift every timestamp so the session's activity lies at `opts.at`.
    const shift = opts.at.getTime() - Date.UTC(2026, 10, 27, 9, 0, 0);
    text = text.replace(
      /"timestamp":"([^"]+)"/g,
      (_m, t: string) => `"timestamp":"${new Date(Date.parse(t) + shift).toISOString()}"`,
    );
  }
  const dir = path.join(projectsDir, '-w');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${opts.sessionId ?? PLANTED_SESSION}.jsonl`);
  fs.writeFileSync(file, text);
  return file;
}

/** Every planted secret value, to search for in what the server received. */
export function plantedValues(): string[] {
  return [PLANTED.github, PLANTED.aws, PLANTED.jwt, PLANTED.pemBody.slice(0, 40), PLANTED.password];
}
