/** The results of a run: JSON for scripts, a Markdown report (docs/AGENTS.md) and the printed table. */
import fs from 'node:fs';
import type { CheckRow } from './check.js';

export interface ScenarioResult {
  id: string;
  title: string;
  status: 'ran' | 'skipped' | 'failed';
  note?: string;
  turns: { exit: string; seconds: number; timedOut: boolean }[];
  served: { script: number; aux: number; extra: number; errors: number };
  unhandled: string[];
  checks: CheckRow[];
  unknownKinds: { kind: string; note: string; count: number; contentBearing: boolean }[];
  offline: { connects: string[]; proxied: string[] } | null;
  captured: number;
}

export interface AgentResult {
  agent: string;
  title: string;
  version: string | null;
  status: 'ran' | 'not runnable offline' | 'install failed';
  reason?: string;
  ingest: string;
  scenarios: ScenarioResult[];
}

export interface Results {
  command: string;
  date: string;
  machine: string;
  isolation: string;
  agents: AgentResult[];
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function checkLines(r: Results): string[] {
  const lines = ['| agent | version | scenario | check | result | figures |', '|---|---|---|---|---|---|'];
  for (const a of r.agents) {
    if (a.status !== 'ran') {
      lines.push(
        `| ${a.title} | ${a.version ?? '-'} | - | runnable | ${a.status.toUpperCase()} | ${cell(a.reason ?? '')} |`,
      );
      continue;
    }
    for (const s of a.scenarios) {
      const turns = s.turns
        .map((t) => `exit ${t.exit}${t.timedOut ? ' (timeout)' : ''}, ${t.seconds} s`)
        .join('; ');
      const ran = s.status === 'skipped' ? 'SKIP' : s.status === 'failed' ? 'FAIL' : 'PASS';
      const servedFig = `served ${s.served.script} scripted, ${s.served.aux} side, ${s.served.extra} past the script, ${s.served.errors} errors`;
      lines.push(
        `| ${a.title} | ${a.version} | ${s.id} | ran | ${ran} | ${cell(s.note ?? `${turns}; ${servedFig}`)} |`,
      );
      for (const c of s.checks)
        lines.push(`| ${a.title} | ${a.version} | ${s.id} | ${c.check} | ${c.status} | ${cell(c.figure)} |`);
    }
  }
  return lines;
}

function matrix(r: Results): string[] {
  const ids = [...new Set(r.agents.flatMap((a) => a.scenarios.map((s) => s.id)))];
  const lines = [
    `| agent | version | ingest | ${ids.join(' | ')} |`,
    `|---|---|---|${ids.map(() => '---').join('|')}|`,
  ];
  for (const a of r.agents) {
    const cells = ids.map((id) => {
      const s = a.scenarios.find((x) => x.id === id);
      if (!s) return '-';
      if (s.status === 'skipped') return 'skip';
      const failed = s.checks.filter((c) => c.status === 'FAIL').length;
      const noIngest = s.checks.some((c) => c.check === 'ingest' && c.status === 'SKIP');
      const passed = s.checks.filter((c) => c.status === 'PASS').length;
      const verdict = failed === 0 && s.status === 'ran' ? `✓ ${passed}` : `✗ ${failed}/${passed + failed}`;
      return noIngest ? `${verdict} (not ingested)` : verdict;
    });
    const status = a.status === 'ran' ? cells : ids.map(() => a.status);
    lines.push(`| ${a.title} | ${a.version ?? '-'} | ${a.ingest} | ${status.join(' | ')} |`);
  }
  return lines;
}

function unknownSection(r: Results): string[] {
  const lines: string[] = [];
  for (const a of r.agents) {
    const kinds = new Map<string, { count: number; note: string; content: boolean }>();
    for (const s of a.scenarios) {
      for (const u of s.unknownKinds) {
        const k = kinds.get(u.kind) ?? { count: 0, note: u.note, content: false };
        k.count += u.count;
        k.content ||= u.contentBearing;
        kinds.set(u.kind, k);
      }
    }
    if (kinds.size === 0) continue;
    const list = [...kinds]
      .map(([k, v]) => `\`${k}\` ×${v.count}${v.content ? ' (carries text)' : ''}`)
      .join(', ');
    lines.push(`- ${a.title} ${a.version}: ${list}`);
  }
  return lines.length > 0 ? lines : ['- none'];
}

const HOW = [
  '## How it runs',
  '',
  "- **Install** (needs the npm registry): each agent's package at the version pinned in `agents/versions.json`",
  "  (`--latest`: the registry's newest) into `.agents-cache/packages/<agent>@<version>/`, once; a native binary",
  "  comes from its platform package (`@anthropic-ai/claude-code-linux-x64`, `opencode-linux-x64`; Codex's and",
  "  Copilot's wrappers pull theirs as optional dependencies); install scripts are not run. An agent needing a",
  "  newer Node than the harness's (Qwen Code: ≥ 22) gets `node-<platform>@<major>` from the registry.",
  '- **No network**: the run phase re-executes itself under `unshare --net --map-root-user` with loopback up: a',
  '  network namespace whose only interface is `lo`, so no host but 127.0.0.1 exists for the agents (the run',
  '  phase refuses to start if it sees another interface). `--offline-check` adds proof: each agent turn runs',
  '  under `strace -f -e trace=connect` (every attempt listed, loopback ones counted) with its proxy variables',
  '  pointing at a local proxy that records and refuses what it is asked for (which shows phone-home attempts).',
  '- **Scripted model API**: one 127.0.0.1 server speaking Anthropic Messages, OpenAI Responses, OpenAI Chat',
  '  Completions and Gemini (stream)generateContent, all as SSE (`agents/api/`). A conversation is picked by a',
  "  marker in the prompt (`[[agx:<name>]]`), its step by the number of model turns the request's history",
  '  holds, so retries, resumes and sub-agents get consistent answers; requests offering no tools (titles,',
  '  routers) are side requests. Every response reports distinctive, non-round usage (input, output, cache',
  '  read, and cache write where the dialect has it), different per response: the token oracle.',
  '- **Per agent × scenario**: a fresh HOME and workspace under `.agents-cache/work/` (removed unless `--keep`),',
  '  the agent run with a clean environment (no key or proxy of the caller), then `aiobscura sync` into a fresh',
  '  database with the collector on against the in-process test server, and `collector flush`. An agent whose',
  '  log-dir flag the CLI does not have yet is reported as not ingested; its files are still checked for the',
  '  served usage ("usage in the agent files").',
  '- **Checks**: every served response stored (matched by its usage tuple in `responses`) and the served texts',
  '  stored; every stored tool call has a result with the same id, the served ids are stored and the computed',
  '  tool output (`6137`, …) is in a result; token totals local = API and server = local; record kinds',
  '  noted as unknown (failing when they carry text); server rows = events numbered, nothing unsent, 0',
  '  rejections and 0 refused requests, and no system prompt the agent sent (three 120-character probes each)',
  '  among the published rows. Session files never enter the repository (`--copy-logs <dir>` copies them out).',
  '',
];

export function renderMarkdown(r: Results): string {
  return [
    "# Agents conformance: the agents' current versions, run offline",
    '',
    'Generated by `npm run agents` (`agents/`; not part of `npm test`). Regenerate it, do not edit it by hand.',
    '',
    `- command: \`${r.command}\``,
    `- date: ${r.date}`,
    `- machine: ${r.machine}`,
    `- network: ${r.isolation}`,
    '',
    '## Summary (✓ n: every check passed; ✗ f/n: f of n checks failed)',
    '',
    ...matrix(r),
    '',
    '## Record kinds the parsers do not know yet',
    '',
    ...unknownSection(r),
    '',
    '## Checks',
    '',
    ...checkLines(r),
    '',
    ...HOW,
  ].join('\n');
}

export function writeReport(file: string, r: Results): void {
  fs.writeFileSync(file, renderMarkdown(r));
}
