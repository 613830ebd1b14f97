export { COLLECTOR_DEFAULTS, type CollectorConfig } from './collector.js';
export {
  ConfigError,
  type ConfigOverrides,
  type ResolvedConfig,
  readConfigFile,
  resolveConfig,
} from './config.js';
export { defaultConfigPath, defaultDatabasePath, expandHome, type PathEnv } from './paths.js';
export { openPhaseMarker, type PhaseMarker } from './phase-marker.js';
export {
  assertWritable,
  type CollectorSectionValues,
  replaceCollectorSection,
  writeFileAtomic,
} from './write.js';
