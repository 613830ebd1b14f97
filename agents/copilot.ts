/**
 * GitHub Copilot CLI: signs in against GitHub by default, but its BYOK mode (`COPILOT_PROVIDER_BASE_URL`,
 * "GitHub authentication is not required when using a custom provider") with `COPILOT_OFFLINE=true` talks
 * only to the configured provider: here the scripted Chat Completions API. `-p` with every tool allowed,
 * `--continue` to resume.
 */
import path from 'node:path';
import { type AgentSpec, offered } from './spec.js';

export const copilot: AgentSpec = {
  name: 'copilot',
  title: 'GitHub Copilot CLI',
  versionPackage: '@github/copilot',
  packages: (v) => [`@github/copilot@${v}`],
  dialect: 'openai-chat',
  ingest: { flag: '--copilot-dir', dir: (home) => path.join(home, '.copilot'), assistant: 'copilot' },
  logRoots: ['.copilot/session-state', '.copilot/session-store.db', '.copilot/logs'],
  tools: {
    idPrefix: 'call_',
    shell: (command) => (req) => {
      const name = offered(req, ['bash', 'shell']);
      return name ? { name, args: { command, description: 'Run the scripted command' } } : null;
    },
    readFile: (file) => (req) => {
      const name = offered(req, ['view', 'read_file', 'str_replace_editor']);
      if (name === 'str_replace_editor') return { name, args: { command: 'view', path: file } };
      return name ? { name, args: { path: file } } : null;
    },
    subagent: {
      spawn: (prompt) => (req) => {
        const name = offered(req, ['task']);
        return name
          ? {
              name,
              args: {
                description: 'Scripted sub-task',
                prompt,
                agent_type: 'general-purpose',
                name: 'agx-sub',
              },
            }
          : null;
      },
    },
  },
  prepare: (ctx) => ({
    COPILOT_HOME: path.join(ctx.home, '.copilot'),
    COPILOT_OFFLINE: 'true',
    COPILOT_PROVIDER_BASE_URL: `${ctx.apiUrl}/v1`,
    COPILOT_PROVIDER_TYPE: 'openai',
    COPILOT_PROVIDER_API_KEY: 'agx-scripted',
    COPILOT_MODEL: 'gpt-5.4',
    COPILOT_PROVIDER_WIRE_API: 'completions',
  }),
  command: (ctx, turn, env) => ({
    file: ctx.node,
    args: [
      path.join(ctx.installDir, 'node_modules', '@github', 'copilot', 'npm-loader.js'),
      '-p',
      turn.prompt,
      '--allow-all',
      '--no-auto-update',
      '--no-ask-user',
      '--no-color',
      ...(turn.resume ? ['--continue'] : []),
    ],
    env,
  }),
};
