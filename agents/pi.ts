/**
 * pi: the Node CLI, a custom provider in `~/.pi/agent/models.json` speaking Anthropic Messages to the
 * scripted API (so pi's `usage.cacheWrite` is exercised too), `-p` and `-c` to continue. pi has no
 * sub-agents of its own (extensions add them).
 */
import fs from 'node:fs';
import path from 'node:path';
import { type AgentSpec, offered } from './spec.js';

export const pi: AgentSpec = {
  name: 'pi',
  title: 'pi',
  versionPackage: '@mariozechner/pi-coding-agent',
  packages: (v) => [`@mariozechner/pi-coding-agent@${v}`],
  dialect: 'anthropic-messages',
  ingest: { flag: '--pi-dir', dir: (home) => path.join(home, '.pi', 'agent'), assistant: 'pi' },
  logRoots: ['.pi/agent/sessions'],
  tools: {
    idPrefix: 'toolu_',
    shell: (command) => (req) => {
      const name = offered(req, ['bash']);
      return name ? { name, args: { command } } : null;
    },
    readFile: (file) => (req) => {
      const name = offered(req, ['read']);
      return name ? { name, args: { path: file } } : null;
    },
  },
  prepare: (ctx) => {
    const dir = path.join(ctx.home, '.pi', 'agent');
    fs.mkdirSync(dir, { recursive: true });
    const models = {
      providers: {
        agx: {
          baseUrl: ctx.apiUrl,
          api: 'anthropic-messages',
          apiKey: 'AGX_API_KEY',
          models: [
            { id: 'agx-model', name: 'agx model', reasoning: false, contextWindow: 200000, maxTokens: 8192 },
          ],
        },
      },
    };
    fs.writeFileSync(path.join(dir, 'models.json'), `${JSON.stringify(models, null, 2)}\n`);
    return { PI_CODING_AGENT_DIR: dir, AGX_API_KEY: 'agx-scripted', PI_SKIP_VERSION_CHECK: '1' };
  },
  command: (ctx, turn, env) => ({
    file: ctx.node,
    args: [
      path.join(ctx.installDir, 'node_modules', '@mariozechner', 'pi-coding-agent', 'dist', 'cli.js'),
      '--provider',
      'agx',
      '--model',
      'agx-model',
      ...(turn.resume ? ['-c'] : []),
      '-p',
      turn.prompt,
    ],
    env,
  }),
};
