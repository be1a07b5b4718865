// Errors, logging, env (lead)
export { MigrationError, ConfigError, PreflightError, AwsCallError, isMigrationError } from './errors.js';
export type { MigrationErrorOptions } from './errors.js';
export { noopLogger } from './logger.js';
export type { Logger, LogFields } from './logger.js';
export { getStringFromEnv, getOptionalStringFromEnv, getIntFromEnv, getEnumFromEnv } from './env.js';
export type { Env } from './env.js';

// --- attribute-value (section owned by the attribute-value work) ---
// --- end attribute-value ---

// --- schema (section owned by the schema work) ---
// --- end schema ---

// --- clients, write, export (section owned by the clients/writer/export work) ---
// --- end clients, write, export ---
