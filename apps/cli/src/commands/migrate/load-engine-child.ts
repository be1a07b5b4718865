// The child process of `migrate --load-engine local --load-workers N`: the load worker handler (the
// same code as the Lambda's index.load), with clients built from the CLI's side flags.
import {
  createLoadWorker,
  directoryWorkStore,
  type LoadEvent,
} from '@ddb-migrate/consistency-checker/worker';
import { createDynamoDbClient, createS3Client } from '@ddb-migrate/core';
import type { SidesFlags } from '../../sides.js';
import { resolveSides } from '../../sides.js';
import { serveWorkerChild } from '../verify/engine-local.js';

/** Messages to a load worker child. */
export type LoadChildRequest =
  | { type: 'init'; flags: SidesFlags; workDir: string }
  | { type: 'run'; event: LoadEvent; budgetMs: number };

serveWorkerChild<LoadEvent>('load worker', 'loaded', (flags, workDir) => {
  // This process's env is the CLI's (fork passes it): the same credentials, endpoint and Region.
  const { target } = resolveSides(flags, process.env);
  // maxAttempts 1: the batch writer retries itself and counts throttles for the summary.
  const ddb = createDynamoDbClient({ ...target, maxAttempts: 1 });
  const s3 = createS3Client(target);
  const store = directoryWorkStore(workDir);
  return createLoadWorker({ clientFor: () => ddb, exportS3For: () => s3, store: () => store });
});
