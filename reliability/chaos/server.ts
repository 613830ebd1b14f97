/**
 * The CatSyphon-compatible test server in its own process, with its admin API on a second port that stays up
 * while the main listener is closed for the outage.
 */
import type { Counters, RandomFault } from '../../test/support/catsyphon/index.js';
import { type ServerProcess, startServerProcess } from '../server-process.js';

export interface ChaosServer extends ServerProcess {
  summary(): Promise<{ rows: number; counters: Counters }>;
}

export async function startChaosServer(seed: number): Promise<ChaosServer> {
  const server = await startServerProcess(seed);
  return { ...server, summary: () => server.admin('GET', 'summary') };
}

/**
 * The fault mix as independent shares of all collector requests: 20 % 503, 10 % 429 with Retry-After,
 * 5 % reset, 5 % stall-then-drop, 5 % stall-then-commit. The server draws its random rules in order, so each
 * rule's probability is its share of what the rules before it left over.
 */
export function faultMix(stallMs: number): RandomFault[] {
  const shares: [RandomFault['fault'], number][] = [
    [{ kind: 'status', status: 503 }, 0.2],
    [{ kind: 'status', status: 429, headers: { 'retry-after': '1' } }, 0.1],
    [{ kind: 'reset' }, 0.05],
    [{ kind: 'stall-drop', ms: stallMs }, 0.05],
    [{ kind: 'stall-commit', ms: stallMs }, 0.05],
  ];
  let left = 1;
  return shares.map(([fault, share]) => {
    const probability = share / left;
    left -= share;
    return { fault, probability, match: { path: '/collectors/' } };
  });
}
