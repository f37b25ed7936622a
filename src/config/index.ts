/** Configuration: defaults, loading (file + environment + flags), validation and safe printing. */
export { DEFAULT_CONFIG, DEFAULT_QUERIES } from './defaults';
export {
  loadConfig,
  resolveConfig,
  DEFAULT_CONFIG_FILE,
  FLAG_KEYS,
  type ConfigFlags,
  type Environment,
  type LoadConfigOptions,
} from './load';
export { ConfigError, formatProblem, type ConfigOrigin, type ConfigProblem } from './errors';
export { redactConfig, redactUrl, REDACTED } from './redact';
export { configToYaml } from './print';
export { parseDurationMs, parseSizeBytes, formatDurationMs, formatSizeBytes } from './units';
export { CONFIG_SCHEMA, schemaLeaves } from './schema';
export type * from './types';
