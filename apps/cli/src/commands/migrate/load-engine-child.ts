// The child process of `migrate --load-engine local --load-workers N`: the load worker handler (the
// same code as the Lambda's index.load), with clients built from the CLI's side flags.
import {
  createLoadWorker,
  directoryWorkStore,
  type LoadEvent,
} from '@ddb-migrate/consistency-checker/worker';
import { createDynamoDbClient, createS3Client } from '@ddb-migrate/core';
import { resolveSides, type SidesFlags } from '../../sides.js';
import { type ChildReply, errorReply } from '../verify/engine-local.js';

/** Messages to a load worker child. */
export type LoadChildRequest =
  | { type: 'init'; flags: SidesFlags; workDir: string }
  | { type: 'run'; event: LoadEvent; budgetMs: number };

let handler: ReturnType<typeof createLoadWorker> | undefined;

function init(flags: SidesFlags, workDir: string) {
  // This process's env is the CLI's (fork passes it): the same credentials, endpoint and Region.
  const { target } = resolveSides(flags, process.env);
  // maxAttempts 1: the batch writer retries itself and counts throttles for the summary.
  const ddb = createDynamoDbClient({ ...target, maxAttempts: 1 });
  const s3 = createS3Client(target);
  const store = directoryWorkStore(workDir);
  handler = createLoadWorker({ clientFor: () => ddb, exportS3For: () => s3, store: () => store });
}

const send = (reply: ChildReply | { type: 'loaded'; result: unknown }) => process.send?.(reply);

process.on('message', (message: LoadChildRequest) => {
  void (async () => {
    try {
      if (message.type === 'init') {
        init(message.flags, message.workDir);
        send({ type: 'ready' });
        return;
      }
      if (!handler) throw new Error('load worker child got a batch before init');
      const deadline = Date.now() + message.budgetMs;
      const result = await handler(message.event, { getRemainingTimeInMillis: () => deadline - Date.now() });
      send({ type: 'loaded', result });
    } catch (error) {
      send(errorReply(error));
    }
  })();
});
