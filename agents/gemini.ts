/**
 * Gemini CLI: the Node bundle, `GOOGLE_GEMINI_BASE_URL` at the scripted API with an API-key auth selected
 * in settings (folder trust off, so `-p` runs in a fresh workspace), `-m` so no router request is made,
 * `--resume latest` for the second turn. Sub-agents are `invoke_agent`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type AgentSpec, offered } from './spec.js';

export const gemini: AgentSpec = {
  name: 'gemini',
  title: 'Gemini CLI',
  versionPackage: '@google/gemini-cli',
  packages: (v) => [`@google/gemini-cli@${v}`],
  dialect: 'gemini',
  ingest: { flag: '--gemini-dir', dir: (home) => path.join(home, '.gemini'), assistant: 'gemini' },
  logRoots: ['.gemini/tmp', '.gemini/projects.json'],
  tools: {
    idPrefix: 'call_',
    shell: (command) => (req) => {
      const name = offered(req, ['run_shell_command']);
      return name ? { name, args: { command, description: 'Run the scripted command' } } : null;
    },
    readFile: (file) => (req) => {
      const name = offered(req, ['read_file']);
      return name ? { name, args: { file_path: file } } : null;
    },
    subagent: {
      spawn: (prompt) => (req) => {
        const name = offered(req, ['invoke_agent']);
        return name ? { name, args: { agent_name: 'generalist', prompt } } : null;
      },
      finish: (answer) => (req) =>
        offered(req, ['complete_task'])
          ? { name: 'complete_task', args: { result: { response: answer } } }
          : null,
    },
  },
  prepare: (ctx) => {
    const dir = path.join(ctx.home, '.gemini');
    fs.mkdirSync(dir, { recursive: true });
    const settings = {
      security: { auth: { selectedType: 'gemini-api-key' }, folderTrust: { enabled: false } },
      general: { disableAutoUpdate: true, disableUpdateNag: true },
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
    };
    fs.writeFileSync(path.join(dir, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
    return { GEMINI_API_KEY: 'agx-scripted', GOOGLE_GEMINI_BASE_URL: ctx.apiUrl };
  },
  command: (ctx, turn, env) => ({
    file: ctx.node,
    args: [
      path.join(ctx.installDir, 'node_modules', '@google', 'gemini-cli', 'bundle', 'gemini.js'),
      '-p',
      turn.prompt,
      '--yolo',
      '-m',
      'gemini-2.5-flash',
      ...(turn.resume ? ['--resume', 'latest'] : []),
    ],
    env,
  }),
};
