export { discoverAll } from './discover.js';
export type {
  Assistant,
  DiscoveredFile,
  Discovery,
  DiscoveryProblem,
  FileContext,
  SourceFormat,
} from './file-context.js';
