/**
 * OpenCode: the native binary of its platform package, a custom provider in `~/.config/opencode/
 * opencode.json` using the bundled `@ai-sdk/openai-compatible` against the scripted Chat Completions API,
 * model fetching, plugins, LSP downloads and updates off (each would reach the network). `opencode run`,
 * `--continue` to resume; sessions land in `$XDG_DATA_HOME/opencode/opencode.db`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { platformSuffix } from './platform.js';
import { type AgentSpec, offered } from './spec.js';

const bin = () => `opencode-${platformSuffix()}`;

export const opencode: AgentSpec = {
  name: 'opencode',
  title: 'OpenCode',
  versionPackage: 'opencode-ai',
  packages: (v) => [`${bin()}@${v}`],
  dialect: 'openai-chat',
  ingest: {
    flag: '--opencode-dir',
    dir: (home) => path.join(home, '.local', 'share', 'opencode'),
    assistant: 'opencode',
  },
  // The store and its legacy JSON tree; not snapshot/ (a git object store of the workspace).
  logRoots: [
    '.local/share/opencode/opencode.db',
    '.local/share/opencode/opencode.db-wal',
    '.local/share/opencode/opencode.db-shm',
    '.local/share/opencode/storage',
    '.local/share/opencode/log',
  ],
  tools: {
    idPrefix: 'call_',
    shell: (command) => (req) => {
      const name = offered(req, ['bash']);
      return name ? { name, args: { command, description: 'Run the scripted command' } } : null;
    },
    readFile: (file) => (req) => {
      const name = offered(req, ['read']);
      return name ? { name, args: { filePath: file } } : null;
    },
    subagent: {
      spawn: (prompt) => (req) => {
        const name = offered(req, ['task']);
        return name
          ? { name, args: { description: 'Scripted sub-task', prompt, subagent_type: 'general' } }
          : null;
      },
    },
  },
  prepare: (ctx) => {
    const dir = path.join(ctx.home, '.config', 'opencode');
    fs.mkdirSync(dir, { recursive: true });
    const config = {
      $schema: 'https://opencode.ai/config.json',
      provider: {
        agx: {
          npm: '@ai-sdk/openai-compatible',
          name: 'agx scripted',
          options: { baseURL: `${ctx.apiUrl}/v1`, apiKey: 'agx-scripted', includeUsage: true },
          models: { 'agx-model': { name: 'agx model', tool_call: true } },
        },
      },
      model: 'agx/agx-model',
      small_model: 'agx/agx-model',
      autoupdate: false,
      share: 'disabled',
      permission: { '*': 'allow' },
    };
    fs.writeFileSync(path.join(dir, 'opencode.json'), `${JSON.stringify(config, null, 2)}\n`);
    return {
      XDG_CONFIG_HOME: path.join(ctx.home, '.config'),
      XDG_DATA_HOME: path.join(ctx.home, '.local', 'share'),
      XDG_STATE_HOME: path.join(ctx.home, '.local', 'state'),
      XDG_CACHE_HOME: path.join(ctx.home, '.cache'),
      OPENCODE_DISABLE_MODELS_FETCH: '1',
      OPENCODE_DISABLE_AUTOUPDATE: '1',
      OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
      OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
      OPENCODE_DISABLE_SHARE: '1',
    };
  },
  command: (ctx, turn, env) => ({
    file: path.join(ctx.installDir, 'node_modules', bin(), 'bin', 'opencode'),
    args: ['run', ...(turn.resume ? ['--continue'] : []), '--model', 'agx/agx-model', turn.prompt],
    env,
  }),
};
