/**
 * Claude Code: the native binary of the platform package (the wrapper's install script needs Node ≥ 22),
 * `ANTHROPIC_BASE_URL` at the scripted Messages API, `-p` with the tools allowed (root may not skip
 * permissions), `--continue` to resume the latest session of the workspace.
 */
import path from 'node:path';
import { platformSuffix } from './platform.js';
import { type AgentSpec, offered } from './spec.js';

const pkg = () => `@anthropic-ai/claude-code-${platformSuffix()}`;

export const claude: AgentSpec = {
  name: 'claude',
  title: 'Claude Code',
  versionPackage: '@anthropic-ai/claude-code',
  packages: (v) => [`${pkg()}@${v}`],
  dialect: 'anthropic-messages',
  ingest: { flag: '--claude-dir', dir: (home) => path.join(home, '.claude'), assistant: 'claude' },
  logRoots: ['.claude/projects'],
  tools: {
    idPrefix: 'toolu_',
    shell: (command) => (req) => {
      const name = offered(req, ['Bash']);
      return name ? { name, args: { command, description: 'Run the scripted command' } } : null;
    },
    readFile: (file) => (req) => {
      const name = offered(req, ['Read']);
      return name ? { name, args: { file_path: file } } : null;
    },
    subagent: {
      spawn: (prompt) => (req) => {
        const name = offered(req, ['Agent', 'Task']);
        return name
          ? { name, args: { description: 'Scripted sub-task', prompt, subagent_type: 'general-purpose' } }
          : null;
      },
    },
  },
  prepare: (ctx) => ({
    ANTHROPIC_BASE_URL: ctx.apiUrl,
    ANTHROPIC_API_KEY: 'sk-ant-agx-scripted',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    // A 5xx would be retried with backoff for minutes; the error scenario serves a 400, retried never.
    CLAUDE_CODE_MAX_RETRIES: '0',
  }),
  command: (ctx, turn, env) => ({
    file: path.join(ctx.installDir, 'node_modules', pkg(), 'claude'),
    args: [
      '-p',
      turn.prompt,
      '--allowedTools',
      'Bash,Read,Agent,Task',
      '--model',
      'claude-sonnet-4-5',
      '--output-format',
      'json',
      ...(turn.resume ? ['--continue'] : []),
    ],
    env,
  }),
};
