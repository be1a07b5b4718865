// The child process of `verify --engine local --workers N`: the verify worker handler (the same
// code as the Lambda's index.handler), with clients built from the CLI's side flags.
import {
  createVerifyWorker,
  directoryWorkStore,
  type WorkerEvent,
} from '@ddb-migrate/consistency-checker/worker';
import { createDynamoDbClient } from '@ddb-migrate/core';
import { resolveSides } from '../../sides.js';
import { serveWorkerChild } from './engine-local.js';

serveWorkerChild<WorkerEvent>('verify worker', 'result', (flags, workDir) => {
  // This process's env is the CLI's (fork passes it): the same credentials, endpoint and Region.
  const sides = resolveSides(flags, process.env);
  const clients = {
    source: createDynamoDbClient({ ...sides.source, maxAttempts: 1 }),
    target: createDynamoDbClient({ ...sides.target, maxAttempts: 1 }),
  };
  const store = directoryWorkStore(workDir);
  return createVerifyWorker({ clientFor: (_side, role) => clients[role], store: () => store });
});
