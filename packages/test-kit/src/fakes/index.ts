// Fake AWS SDK clients for unit tests (`@ddb-migrate/test-kit/fakes`): no moto, no network.
export { awsError, fakeClient, liveStreamClients, streamStatus, tableWithStream } from './fake-clients.js';
export type { FakeClient, Reply } from './fake-clients.js';
