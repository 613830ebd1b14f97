/** Command-line flags of `npm run agents`. */
import { parseArgs } from 'node:util';
import { SCENARIO_IDS, type ScenarioId } from './scenarios.js';
import type { AgentName } from './spec.js';

export interface Options {
  agents: AgentName[];
  scenarios: ScenarioId[];
  latest: boolean;
  keep: boolean;
  offlineCheck: boolean;
  json: boolean;
  copyLogs: string | null;
  timeoutSecs: number;
  report: string | null;
  netns: boolean;
  /** Internal: the run phase inside the network namespace, reading the install phase's plan. */
  plan: string | null;
}

export const HELP = `Usage: npm run agents -- [options]

Installs each coding agent's npm package (pinned in agents/versions.json, or the newest with --latest) into
.agents-cache/, runs it with no network but 127.0.0.1 against a scripted model API through the scenarios,
ingests and publishes what it wrote with the built CLI against the CatSyphon-compatible test server, and
checks the result. Writes docs/AGENTS.md and .agents-cache/results.json.

Options:
  --agents <list>      comma-separated: claude,codex,gemini,opencode,pi,qwen,copilot (default: all)
  --scenarios <list>   comma-separated: ${SCENARIO_IDS.join(',')} (default: all)
  --latest             take the newest version from the registry instead of agents/versions.json
  --keep               keep the temp homes, workspaces and databases under .agents-cache/runs/
  --offline-check      also trace every connect() of the agents (strace) and point their proxy variables at a
                       local refusing proxy; list any attempt to reach anything but 127.0.0.1
  --copy-logs <dir>    copy the session files each agent wrote to <dir>/<agent>-<version>/<scenario>/
  --timeout <secs>     per agent turn (default 180)
  --report <file>      Markdown report (default docs/AGENTS.md; "-" for none)
  --no-netns           do not run the agents in a private network namespace (unshare); weaker guarantee
  --json               print the results as JSON instead of the table
  -h, --help           this text

No network: after installing, the harness re-runs itself under \`unshare --net\` (a network namespace whose
only interface is loopback), so an agent cannot reach any host but 127.0.0.1 whatever it tries.

Exit status: 0 when every check passed, 1 when a check failed or an install failed, 2 on a harness error.
`;

function list<T extends string>(value: string | undefined, all: readonly T[], what: string): T[] {
  if (value === undefined) return [...all];
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const i of items) {
    if (!all.includes(i as T)) throw new Error(`--${what}: unknown "${i}"; choose from ${all.join(', ')}`);
  }
  return items as T[];
}

export function parseOptions(argv: string[], agentNames: readonly AgentName[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      agents: { type: 'string' },
      scenarios: { type: 'string' },
      latest: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      'offline-check': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'copy-logs': { type: 'string' },
      timeout: { type: 'string', default: '180' },
      report: { type: 'string', default: 'docs/AGENTS.md' },
      'no-netns': { type: 'boolean', default: false },
      plan: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const timeout = Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new Error(`--timeout: "${values.timeout}" is not a positive number of seconds`);
  return {
    agents: list(values.agents, agentNames, 'agents'),
    scenarios: list(values.scenarios, SCENARIO_IDS, 'scenarios'),
    latest: values.latest,
    keep: values.keep,
    offlineCheck: values['offline-check'],
    json: values.json,
    copyLogs: values['copy-logs'] ?? null,
    timeoutSecs: timeout,
    report: values.report === '-' ? null : values.report,
    netns: !values['no-netns'],
    plan: values.plan ?? null,
  };
}
