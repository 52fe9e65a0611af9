export * from './types.js';
export { ConfigError, formatConfigProblems, formatPath, type ConfigProblem } from './errors.js';
export { parseConfig, loadConfigFile, loadDefaultConfig, EMBEDDED_CONFIG_NAME, type ConfigOverrides } from './load.js';
export { DEFAULT_CONFIG_YAML } from './default.js';
export { RawConfigSchema, DEFAULT_MRAI_SECONDS, defaultFamilies } from './schema.js';
