/**
 * The scenarios every agent is put through, as scripts for the scripted API plus the prompts typed.
 * Tool outputs are computed by the shell (`expr 6000 + 137` prints `6137`), so a stored result holding the
 * figure proves the agent really ran the command rather than echoing its input; no scripted text holds the
 * figures. (`expr`, not `$((…))`: Gemini CLI's sub-agents refuse commands with substitution syntax.)
 */
import { marker } from './api/server.js';
import type { Reply, RequestView, Script, Step } from './api/types.js';
import type { AgentTools, SubagentPlan, ToolPick, Turn } from './spec.js';

export type ScenarioId = 'text' | 'tool' | 'two-tools' | 'subagent' | 'error' | 'resume';

export const SCENARIO_IDS: readonly ScenarioId[] = [
  'text',
  'tool',
  'two-tools',
  'subagent',
  'error',
  'resume',
];

/** A file the workspace holds for the read-file call, and the line the result must show. */
export const WORKSPACE_FILE = 'notes.txt';
export const WORKSPACE_TEXT = 'agx-file-line-7741';

export interface Expectation {
  /** Strings some stored tool result must contain (proof the tool ran). */
  toolOutputs: string[];
  /** Tool calls the script makes at least (main and sub-agent together). */
  toolCalls: number;
  /** The scenario serves an error: an error message should be stored, and no usage is reported. */
  error: string | null;
  /** Served texts that must be stored as responses. */
  texts: string[];
  subagent: boolean;
}

export interface Scenario {
  id: ScenarioId;
  title: string;
  turns: Turn[];
  script: Script;
  expect: Expectation;
}

const say =
  (text: string): Step =>
  () => ({ kind: 'text', text });

/** A response calling the picked tools; a missing tool becomes a text saying so (and the checks fail). */
function call(tools: AgentTools, tag: string, picks: ToolPick[]): Step {
  return (req: RequestView): Reply => {
    const calls = [];
    for (const [i, pick] of picks.entries()) {
      const p = pick(req);
      if (p === null) return { kind: 'text', text: `The scripted step ${tag}/${i} found no tool to call.` };
      calls.push({ id: `${tools.idPrefix}agx${tag}${i}`, ...p });
    }
    return { kind: 'tools', calls };
  };
}

/** The sub-agent's last step: its finishing tool where it must call one (Gemini's complete_task), else text. */
function finishSub(tools: AgentTools, plan: SubagentPlan, text: string): Step {
  const finish = plan.finish;
  if (!finish) return say(text);
  const step = call(tools, '44', [finish(text)]);
  return (req) => (finish(text)(req) === null ? say(text)(req) : step(req));
}

function prompt(conversation: string, text: string): string {
  return `${marker(conversation)} ${text}`;
}

export function buildScenario(
  id: ScenarioId,
  tools: AgentTools,
  file: string,
): Scenario | { id: ScenarioId; skip: string } {
  const main = `main-${id}`;
  const one = (text: string): Turn[] => [{ prompt: prompt(main, text), resume: false }];
  switch (id) {
    case 'text': {
      const text = 'Scripted answer agx-text-1031.';
      return {
        id,
        title: 'a prompt answered with text',
        turns: one('Say something.'),
        script: { conversations: { [main]: [say(text)] } },
        expect: { toolOutputs: [], toolCalls: 0, error: null, texts: [text], subagent: false },
      };
    }
    case 'tool': {
      const text = 'The scripted command ran.';
      return {
        id,
        title: 'a tool call and its result',
        turns: one('Run a command.'),
        script: {
          conversations: { [main]: [call(tools, '21', [tools.shell('expr 6000 + 137')]), say(text)] },
        },
        expect: { toolOutputs: ['6137'], toolCalls: 1, error: null, texts: [text], subagent: false },
      };
    }
    case 'two-tools': {
      const text = 'Both tools answered.';
      const picks = [tools.shell('expr 7000 + 251'), tools.readFile(file)];
      return {
        id,
        title: 'two tool calls in one response',
        turns: one('Run a command and read notes.txt.'),
        script: { conversations: { [main]: [call(tools, '31', picks), say(text)] } },
        expect: {
          toolOutputs: ['7251', WORKSPACE_TEXT],
          toolCalls: 2,
          error: null,
          texts: [text],
          subagent: false,
        },
      };
    }
    case 'subagent': {
      const plan = tools.subagent;
      if (!plan) return { id, skip: 'the agent has no sub-agent tool' };
      const sub = `sub-${id}`;
      const subText = 'Sub-agent finished its command: agx-sub-done.';
      const text = 'The sub-agent reported back.';
      const mainSteps: Step[] = [call(tools, '41', [plan.spawn(prompt(sub, 'Run a command and report.'))])];
      const collect = plan.collect;
      if (collect) {
        // Collect the answer unless it already arrived (Codex injects it into the parent's next request).
        const wait = call(tools, '42', [collect]);
        const arrived = (req: RequestView) =>
          [...req.userTexts, ...req.toolResults.map((r) => r.text)].some((t) => t.includes(subText));
        mainSteps.push((req) => (arrived(req) ? say(text)(req) : wait(req)));
      }
      mainSteps.push(say(text));
      return {
        id,
        title: 'a sub-agent',
        turns: one('Delegate a task to a sub-agent.'),
        script: {
          conversations: {
            [main]: mainSteps,
            [sub]: [call(tools, '43', [tools.shell('expr 8000 + 419')]), finishSub(tools, plan, subText)],
          },
        },
        expect: {
          toolOutputs: ['8419'],
          // The spawn and the sub-agent's command; a collecting call (Codex wait_agent) may come on top.
          toolCalls: 2,
          error: null,
          texts: [subText, text],
          subagent: true,
        },
      };
    }
    case 'error': {
      const message = 'scripted failure agx-err-4711';
      const error: Reply = { kind: 'error', status: 400, errorType: 'invalid_request_error', message };
      return {
        id,
        title: 'the API answers 400',
        turns: one('This request fails.'),
        script: { conversations: { [main]: [() => error] } },
        expect: { toolOutputs: [], toolCalls: 0, error: message, texts: [], subagent: false },
      };
    }
    case 'resume': {
      const first = 'First turn answered: agx-res-1.';
      const second = 'Second turn after resume: agx-res-2.';
      return {
        id,
        title: 'a second turn after a resume',
        turns: [
          { prompt: prompt(main, 'First turn.'), resume: false },
          { prompt: 'Second turn, after resuming.', resume: true },
        ],
        script: { conversations: { [main]: [say(first), say(second)] } },
        expect: { toolOutputs: [], toolCalls: 0, error: null, texts: [first, second], subagent: false },
      };
    }
  }
}
