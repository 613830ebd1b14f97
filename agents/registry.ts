/** Every agent the harness knows, in report order; adding one is adding its spec here. */
import { claude } from './claude.js';
import { codex } from './codex.js';
import { copilot } from './copilot.js';
import { gemini } from './gemini.js';
import { opencode } from './opencode.js';
import { pi } from './pi.js';
import { qwen } from './qwen.js';
import type { AgentName, AgentSpec } from './spec.js';

export const AGENTS: readonly AgentSpec[] = [claude, codex, gemini, opencode, pi, qwen, copilot];

export const AGENT_NAMES: readonly AgentName[] = AGENTS.map((a) => a.name);

export function agentSpec(name: AgentName): AgentSpec {
  const spec = AGENTS.find((a) => a.name === name);
  if (!spec) throw new Error(`no agent spec named ${name}`);
  return spec;
}
