/**
 * Human prompts without doubling or loss.
 *
 * One prompt can be written by up to three sources: `event_msg/user_message` (exactly what the human typed),
 * `event_msg/item_completed` with a `UserMessage` item (paginated history mode, where user_message is not
 * persisted) and the `response_item` user message the model saw. Their order differs between builds: the
 * 0.100 export writes the response item first, 0.146 writes the event first, and some files (0.63 fixtures,
 * the bare legacy era, later turns of curated files) have only the response item.
 *
 * Rule: the first source to arrive is the prompt. It stays "pending" until model output follows; a candidate
 * from a *different* source with the same normalised text while it is pending is its twin and produces no
 * message. A candidate from the same source, or after model output, a turn end, a non-null token count, a
 * compaction or a session_meta, is a new prompt. This needs no lookahead,
 * so it works line by line and across checkpoints (the pending prompt lives in the state).
 */
import type { Draft, Line } from './line.js';
import { isObj, itemTexts, str } from './util.js';

/** Harness-written user/developer text: shown as context, never counted as a human prompt. */
const INJECTED_PREFIXES = [
  '<environment_context>',
  '<user_instructions>',
  '# AGENTS.md instructions for',
  '<INSTRUCTIONS>',
  '<permissions instructions>',
  '<collaboration_mode>',
  '<multi_agent_mode>',
  '<apps_instructions>',
  '<user_shell_command>',
  '<skills_instructions>',
  '## Skills',
  '<turn_aborted>',
  '<subagent_notification>',
];

export function isInjected(text: string): boolean {
  const t = text.trimStart();
  return INJECTED_PREFIXES.some((p) => t.startsWith(p));
}

/** 2025 IDE builds wrapped the human text in editor context; the human part follows this heading. */
const REQUEST_MARKER = '## My request for Codex:';

export function humanText(text: string): string {
  const at = text.lastIndexOf(REQUEST_MARKER);
  return at >= 0 ? text.slice(at + REQUEST_MARKER.length).trim() : text;
}

function normalise(text: string): string {
  return humanText(text).replace(/\s+/g, ' ').trim();
}

function sameText(a: string, b: string): boolean {
  const x = normalise(a);
  const y = normalise(b);
  // Some builds prefix the model-visible copy with editor context but no marker; the typed text is its tail.
  return x === y || (x.length > 0 && y.length > 0 && (x.endsWith(y) || y.endsWith(x)));
}

/**
 * Emits a prompt for `text` from `source` unless it is the twin of the pending prompt. Returns whether a
 * message was produced. Every emitted prompt starts a new turn, so it closes the open groups.
 */
export function offerPrompt(line: Line, source: string, text: string, content: string): boolean {
  const { state } = line;
  const pending = state.pendingPrompt;
  if (pending && !pending.sources.includes(source) && sameText(pending.text, text)) {
    pending.sources.push(source);
    line.out.note = 'duplicate prompt';
    return false;
  }
  line.drafts.push({ messageType: 'prompt', authorRole: 'human', content });
  state.pendingPrompt = { text, sources: [source] };
  line.out.closesGroups = true;
  return true;
}

/** Recovers the working directory from an `<environment_context>` block (legacy files have no meta cwd). */
export function cwdFromContext(text: string): string | null {
  const m = /<environment_context>[\s\S]*?<cwd>([^<]*)<\/cwd>/.exec(text);
  const cwd = m?.[1]?.trim();
  return cwd ? cwd : null;
}

/** Text of an `item_completed` `UserMessage` item (content `[{type:"text", text}]`). */
export function completedUserText(item: unknown): string {
  if (!isObj(item)) return '';
  return itemTexts(item.content).join('\n') || (str(item.text) ?? '');
}

export function contextDraft(content: string): Draft {
  return { messageType: 'context', authorRole: 'system', content };
}
