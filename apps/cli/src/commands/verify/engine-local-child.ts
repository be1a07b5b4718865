// The child process of `verify --engine local --workers N`: the verify worker handler (the same
// code as the Lambda's index.handler), with clients built from the CLI's side flags.
import { createVerifyWorker, directoryWorkStore } from '@ddb-migrate/consistency-checker/worker';
import { createDynamoDbClient } from '@ddb-migrate/core';
import { type SidesFlags, resolveSides } from '../../sides.js';
import { type ChildReply, type ChildRequest, errorReply } from './engine-local.js';

let handler: ReturnType<typeof createVerifyWorker> | undefined;

function send(reply: ChildReply): void {
  process.send?.(reply);
}

function init(flags: SidesFlags, workDir: string) {
  // This process's env is the CLI's (fork passes it): the same credentials, endpoint and Region.
  const sides = resolveSides(flags, process.env);
  const clients = {
    source: createDynamoDbClient({ ...sides.source, maxAttempts: 1 }),
    target: createDynamoDbClient({ ...sides.target, maxAttempts: 1 }),
  };
  const store = directoryWorkStore(workDir);
  handler = createVerifyWorker({ clientFor: (_side, role) => clients[role], store: () => store });
}

process.on('message', (message: ChildRequest) => {
  void (async () => {
    try {
      if (message.type === 'init') {
        init(message.flags, message.workDir);
        send({ type: 'ready' });
        return;
      }
      if (!handler) throw new Error('verify worker child got a range before init');
      const deadline = Date.now() + message.budgetMs;
      const result = await handler(message.event, { getRemainingTimeInMillis: () => deadline - Date.now() });
      send({ type: 'result', result });
    } catch (error) {
      send(errorReply(error));
    }
  })();
});
