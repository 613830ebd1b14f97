export { type DiscoveredFile, type Discovery, type DiscoveryProblem, discoverAll } from './discover.js';
