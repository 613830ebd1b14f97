/**
 * Qwen Code: the Node CLI (engines Node ≥ 22: the harness installs a Node 22 from the registry's
 * `node-<platform>` package when it runs on an older one), OpenAI-compatible auth pointed at the scripted
 * Chat Completions API, `--yolo`, `--continue` to resume. Sub-agents are its `task` tool.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type AgentSpec, offered } from './spec.js';

export const qwen: AgentSpec = {
  name: 'qwen',
  title: 'Qwen Code',
  versionPackage: '@qwen-code/qwen-code',
  packages: (v) => [`@qwen-code/qwen-code@${v}`],
  nodeMajor: 22,
  dialect: 'openai-chat',
  ingest: { flag: '--qwen-dir', dir: (home) => path.join(home, '.qwen'), assistant: 'qwen' },
  logRoots: ['.qwen/projects', '.qwen/tmp'],
  tools: {
    idPrefix: 'call_',
    shell: (command) => (req) => {
      const name = offered(req, ['run_shell_command']);
      return name ? { name, args: { command, description: 'Run the scripted command' } } : null;
    },
    readFile: (file) => (req) => {
      const name = offered(req, ['read_file']);
      return name ? { name, args: { absolute_path: file, file_path: file } } : null;
    },
    subagent: {
      spawn: (prompt) => (req) => {
        const name = offered(req, ['task', 'agent']);
        return name
          ? { name, args: { description: 'Scripted sub-task', prompt, subagent_type: 'general-purpose' } }
          : null;
      },
    },
  },
  prepare: (ctx) => {
    const dir = path.join(ctx.home, '.qwen');
    fs.mkdirSync(dir, { recursive: true });
    const settings = {
      security: { auth: { selectedType: 'openai' }, folderTrust: { enabled: false } },
      general: { disableAutoUpdate: true, disableUpdateNag: true },
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
    };
    fs.writeFileSync(path.join(dir, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
    return {
      OPENAI_API_KEY: 'agx-scripted',
      OPENAI_BASE_URL: `${ctx.apiUrl}/v1`,
      OPENAI_MODEL: 'qwen3-coder-plus',
    };
  },
  command: (ctx, turn, env) => ({
    file: ctx.node,
    args: [
      path.join(ctx.installDir, 'node_modules', '@qwen-code', 'qwen-code', 'cli-entry.js'),
      '--yolo',
      '--auth-type',
      'openai',
      ...(turn.resume ? ['--continue'] : []),
      turn.prompt,
    ],
    env,
  }),
};
