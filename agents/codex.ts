/**
 * Codex: the npm wrapper (it finds the native binary in its platform dependency), a custom model provider
 * in `CODEX_HOME/config.toml` speaking the Responses API, `codex exec` and `codex exec resume --last`.
 * Sub-agents are `spawn_agent` then `wait_agent` (the multi-agent tools 0.171 offers).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RequestView } from './api/types.js';
import { type AgentSpec, offered, type ToolPick } from './spec.js';

const FLAGS = ['--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox'];

/** The agent id in the newest tool result (spawn_agent answers with JSON holding it). */
function spawnedId(req: RequestView): string | null {
  for (const r of [...req.toolResults].reverse()) {
    const m = /"(?:agent_id|id|target)"\s*:\s*"([^"]+)"/.exec(r.text);
    if (m) return m[1]!;
  }
  return null;
}

/**
 * A shell command in the tools the request offers: code mode (the default model's: a freeform `exec` tool
 * running JavaScript that calls the nested tools) or the classic `exec_command` function.
 */
function shellCall(req: RequestView, command: string): ReturnType<ToolPick> {
  if (offered(req, ['exec']) && req.tools.includes('exec_command') === false) {
    const js = `const r = await tools.exec_command({ cmd: ${JSON.stringify(command)} });\ntext(typeof r === 'string' ? r : JSON.stringify(r));`;
    return { name: 'exec', args: {}, input: js };
  }
  const name = offered(req, ['exec_command']);
  if (name) return { name, args: { cmd: command } };
  const legacy = offered(req, ['shell_command', 'shell']);
  return legacy ? { name: legacy, args: { command: ['bash', '-lc', command] } } : null;
}

export const codex: AgentSpec = {
  name: 'codex',
  title: 'Codex',
  versionPackage: '@openai/codex',
  packages: (v) => [`@openai/codex@${v}`],
  dialect: 'openai-responses',
  ingest: { flag: '--codex-dir', dir: (home) => path.join(home, '.codex'), assistant: 'codex' },
  logRoots: ['.codex/sessions', '.codex/archived_sessions'],
  tools: {
    idPrefix: 'call_',
    shell: (command) => (req) => shellCall(req, command),
    // Codex reads files with the shell.
    readFile: (file) => (req) => shellCall(req, `cat ${file}`),
    subagent: {
      spawn: (prompt) => (req) => {
        if (offered(req, ['collaboration'])) {
          const args = { task_name: 'agx_sub', message: prompt, fork_turns: 'none' };
          return { name: 'spawn_agent', namespace: 'collaboration', args };
        }
        return offered(req, ['multi_agent_v1']) ? { name: 'spawn_agent', args: { message: prompt } } : null;
      },
      collect: (req) => {
        if (offered(req, ['collaboration'])) {
          return { name: 'wait_agent', namespace: 'collaboration', args: { timeout_ms: 60_000 } };
        }
        const id = spawnedId(req);
        return id ? { name: 'wait_agent', args: { targets: [id], timeout_ms: 60_000 } } : null;
      },
    },
  },
  prepare: (ctx) => {
    const dir = path.join(ctx.home, '.codex');
    fs.mkdirSync(dir, { recursive: true });
    const toml = [
      'model = "gpt-6.2-sol"',
      'model_provider = "agx"',
      '[model_providers.agx]',
      'name = "agx scripted"',
      `base_url = "${ctx.apiUrl}/v1"`,
      'env_key = "AGX_API_KEY"',
      'wire_api = "responses"',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'config.toml'), toml);
    return { CODEX_HOME: dir, AGX_API_KEY: 'agx-scripted' };
  },
  command: (ctx, turn, env) => ({
    file: ctx.node,
    args: [
      path.join(ctx.installDir, 'node_modules', '@openai', 'codex', 'bin', 'codex.js'),
      'exec',
      ...(turn.resume ? ['resume', '--last'] : []),
      ...FLAGS,
      turn.prompt,
    ],
    env,
  }),
};
