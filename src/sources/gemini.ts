/**
 * Gemini discovery (agents-formats.md). Not implemented yet: finds nothing.
 */
import type { DiscoveredFile, DiscoveryProblem } from './file-context.js';

export function discoverGemini(_dir: string, _problems: DiscoveryProblem[]): DiscoveredFile[] {
  return [];
}
