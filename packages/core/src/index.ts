export { MigrationError, ConfigError, PreflightError, AwsCallError, isMigrationError } from './errors.js';
export type { MigrationErrorOptions } from './errors.js';
export { noopLogger } from './logger.js';
export type { Logger, LogFields } from './logger.js';
export { getStringFromEnv, getOptionalStringFromEnv, getIntFromEnv, getEnumFromEnv } from './env.js';
export type { Env } from './env.js';
