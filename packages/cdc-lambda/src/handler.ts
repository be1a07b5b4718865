import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Logger as CoreLogger } from '@ddb-migrate/core';
import { readCdcLambdaConfig } from './config/cdc-config.js';
import { createHandler } from './create-handler.js';
import { createLambdaClients, toApplyConfig } from './lambda-clients.js';

// Module scope: validated once per cold start (a bad variable fails here, naming it), and the
// clients, their credentials cache and keep-alive sockets are reused across invocations.
const config = readCdcLambdaConfig(process.env);
const powertoolsLogger = new Logger({ serviceName: 'ddb-migrate-cdc' });
const metrics = new Metrics({ namespace: 'ddb-migrate', serviceName: 'ddb-migrate-cdc' });
const clients = createLambdaClients(config, process.env);

// Keys and counts only: the engine never passes attribute values to the logger.
const logger: CoreLogger = {
  debug: (message, fields) => powertoolsLogger.debug(message, fields ?? {}),
  info: (message, fields) => powertoolsLogger.info(message, fields ?? {}),
  warn: (message, fields) => powertoolsLogger.warn(message, fields ?? {}),
  error: (message, fields) => powertoolsLogger.error(message, fields ?? {}),
};

powertoolsLogger.info('cdc handler configured', {
  // Replaced with the package version by scripts/build.mjs.
  version: process.env.DDB_MIGRATE_CDC_VERSION ?? 'source',
  targetTable: config.targetTableName,
  targetRegion: config.targetRegion,
  assumeRole: config.targetRoleArn !== undefined,
  cutoffEpochSeconds: config.cutoffEpochSeconds,
  ttlDeletes: config.ttlDeletes,
});

/** The Lambda entry (`index.handler`): DynamoDB Streams event in, `{ batchItemFailures }` out. */
export const handler = createHandler(toApplyConfig(config), {
  ...clients,
  logger,
  metrics: {
    addMetric: (name, unit, value) =>
      metrics.addMetric(name, unit === 'Milliseconds' ? MetricUnit.Milliseconds : MetricUnit.Count, value),
    publishStoredMetrics: () => metrics.publishStoredMetrics(),
  },
});
