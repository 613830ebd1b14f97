/**
 * The oracle comparison: the state after a live history against the state of one clean run of the final
 * files, field by field, plus what must hold of any run (nothing stored twice, nothing refused, nothing left
 * unpublished, every line stored once with its bytes, no warning).
 */
import type { LocalState, ServerState } from './state.js';

export interface RunState {
  local: LocalState;
  server: ServerState;
}

const MAX_DIFFERENCES = 40;

function compareMaps(
  what: string,
  live: Record<string, string | string[]>,
  oracle: Record<string, string | string[]>,
  out: string[],
): void {
  for (const key of new Set([...Object.keys(live), ...Object.keys(oracle)])) {
    const a = JSON.stringify(live[key] ?? null);
    const b = JSON.stringify(oracle[key] ?? null);
    if (a === b) continue;
    const la = live[key];
    const lb = oracle[key];
    if (Array.isArray(la) && Array.isArray(lb)) {
      const i = la.findIndex((v, n) => v !== lb[n]);
      const at = i === -1 ? Math.min(la.length, lb.length) : i;
      out.push(
        `${what} ${key}: live has ${la.length}, clean run ${lb.length}; first difference at ${at}:\n` +
          `    live : ${(la[at] ?? '(none)').slice(0, 400)}\n    clean: ${(lb[at] ?? '(none)').slice(0, 400)}`,
      );
    } else {
      out.push(`${what} ${key}:\n    live : ${a.slice(0, 400)}\n    clean: ${b.slice(0, 400)}`);
    }
  }
}

/** What must hold of every run by itself. */
function invariants(name: string, s: RunState, out: string[]): void {
  if (s.server.storedTwice.length > 0)
    out.push(
      `${name}: the server stored ${s.server.storedTwice.length} event(s) twice: ${s.server.storedTwice.slice(0, 5)}`,
    );
  if (s.local.rejections > 0) out.push(`${name}: ${s.local.rejections} event(s) refused`);
  if (s.local.unpublishable > 0) out.push(`${name}: ${s.local.unpublishable} message(s) still unpublishable`);
  if (s.local.warnings.length > 0) out.push(`${name}: warnings: ${s.local.warnings.slice(0, 5).join(' | ')}`);
  for (const [file, r] of Object.entries(s.local.records)) {
    if (r.missing + r.twice + r.wrongBytes > 0)
      out.push(
        `${name}: ${file}: ${r.missing} line(s) missing, ${r.twice} stored twice, ${r.wrongBytes} with wrong bytes`,
      );
  }
}

export function compareRuns(live: RunState, oracle: RunState): string[] {
  const out: string[] = [];
  invariants('live', live, out);
  invariants('clean run', oracle, out);
  compareMaps('session', live.local.sessions, oracle.local.sessions, out);
  compareMaps('messages of', live.local.messages, oracle.local.messages, out);
  compareMaps('usage of', live.local.usage, oracle.local.usage, out);
  compareMaps('server rows of', live.server.rows, oracle.server.rows, out);
  compareMaps('server conversation', live.server.conversations, oracle.server.conversations, out);
  compareMaps('server tokens of', live.server.tokens, oracle.server.tokens, out);
  return out.slice(0, MAX_DIFFERENCES);
}
