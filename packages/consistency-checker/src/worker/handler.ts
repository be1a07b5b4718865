import { Logger } from '@aws-lambda-powertools/logger';
import { type Logger as CoreLogger, getOptionalStringFromEnv, getStringFromEnv } from '@ddb-migrate/core';
import {
  awsWorkerDeps,
  createLoadMergeHandler,
  createLoadWorker,
  createMergeHandler,
  createVerifyWorker,
} from './create-worker.js';

// Module scope: read once per cold start; clients (and assumed-role sessions) are reused across
// invocations of a warm function.
const region = getStringFromEnv(process.env, 'AWS_REGION');
const endpoint = getOptionalStringFromEnv(process.env, 'AWS_ENDPOINT_URL');
const powertoolsLogger = new Logger({ serviceName: 'ddb-migrate-verify' });

// Keys and counts only: the engine never passes attribute values to the logger.
const logger: CoreLogger = {
  debug: (message, fields) => powertoolsLogger.debug(message, fields ?? {}),
  info: (message, fields) => powertoolsLogger.info(message, fields ?? {}),
  warn: (message, fields) => powertoolsLogger.warn(message, fields ?? {}),
  error: (message, fields) => powertoolsLogger.error(message, fields ?? {}),
};

const deps = { ...awsWorkerDeps({ region, ...(endpoint ? { endpoint } : {}) }), logger };

powertoolsLogger.info('verify worker configured', {
  // Replaced with the package version by scripts/build-worker.mjs.
  version: process.env.DDB_MIGRATE_VERIFY_VERSION ?? 'source',
  region,
});

/** Lambda entry `index.handler`: one worker invocation over a range of segments. */
export const handler = createVerifyWorker(deps);

/** Lambda entry `index.merge`: merges the range summaries into summary.json. */
export const merge = createMergeHandler(deps);

/** Lambda entry `index.load`: one load worker invocation over a batch of export data files. */
export const load = createLoadWorker(deps);

/** Lambda entry `index.loadMerge`: adds up the load's batch summaries into load/summary.json. */
export const loadMerge = createLoadMergeHandler(deps);
