export {
  AGENTS,
  type AgentEnv,
  type AgentSpec,
  ASSISTANTS,
  type Assistant,
  agentSpec,
  defaultAgentDirs,
  isAssistant,
} from './agents.js';
export { COLLECTOR_DEFAULTS, type CollectorConfig } from './collector.js';
export {
  ConfigError,
  type ConfigOverrides,
  POLL_MS,
  pollMsProblem,
  type ResolvedConfig,
  readConfigFile,
  resolveConfig,
} from './config.js';
export { type LogDirectory, logDirectories } from './log-dirs.js';
export { defaultConfigPath, defaultDatabasePath, expandHome, type PathEnv } from './paths.js';
export { openPhaseMarker, type PhaseMarker } from './phase-marker.js';
export {
  parseAgeMs,
  parseInstant,
  TIME_SPEC_FORMS,
  TimeSpecError,
  type TimeSpecOptions,
} from './time-spec.js';
export {
  assertWritable,
  type CollectorSectionValues,
  replaceCollectorSection,
  writeFileAtomic,
} from './write.js';
