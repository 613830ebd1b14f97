/**
 * Copilot discovery (agents-formats.md). Not implemented yet: finds nothing.
 */
import type { DiscoveredFile, DiscoveryProblem } from './file-context.js';

export function discoverCopilot(_dir: string, _problems: DiscoveryProblem[]): DiscoveredFile[] {
  return [];
}
