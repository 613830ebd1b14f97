export { ConfigError, type ConfigOverrides, type ResolvedConfig, resolveConfig } from './config.js';
export { defaultConfigPath, defaultDatabasePath, expandHome, type PathEnv } from './paths.js';
