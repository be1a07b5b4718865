// Public API of the test kit: moto lifecycle, accounts, isolation, factories, items, fault proxy, SDK fakes.
export type { SideCredentials, SideOptions, TestSideConfig } from './accounts.js';
export {
  baseCredentials,
  DEFAULT_REGION,
  roleArn,
  SOURCE_ACCOUNT,
  sourceSide,
  TARGET_ACCOUNT,
  TARGET_ROLE_NAME,
  targetSide,
} from './accounts.js';
export { createBucket } from './buckets.js';
export type { FakeOperation, FakeSdkCall, FakeSdkClient } from './fake-sdk-client.js';
export { fakeSdkClient } from './fake-sdk-client.js';
export type { SdkError, SdkErrorOptions, SdkFault } from './sdk-error.js';
export { sdkError } from './sdk-error.js';
export type { TableDiff } from './compare-tables.js';
export { compareTables, expectTablesEqual, formatTableDiff } from './compare-tables.js';
export type { GenerateItemsOptions } from './generate-items.js';
export {
  generateItems,
  LARGE_ITEM_BYTES,
  MAX_ITEM_SIZE_BYTES,
  TRICKY_NUMBERS,
  TRICKY_STRINGS,
} from './generate-items.js';
export type { IsolatedSides } from './isolation.js';
export {
  freshAccountId,
  ISOLATED_SOURCE_ROLE_NAME,
  isolatedSides,
  resolveCredentials,
  sideEnv,
} from './isolation.js';
export { motoEndpoint } from './moto.js';
export type { MotoServerHandle, StartMotoServerOptions } from './moto-server.js';
export { findFreePort, startMotoServer, waitForMoto } from './moto-server.js';
export { uniqueName } from './names.js';
export { createPrng } from './prng.js';
export type { CreatedQueue } from './queues.js';
export { createQueue } from './queues.js';
export { createLambdaRole } from './roles.js';
export { storedZip } from './stored-zip.js';
export type {
  CreatedTable,
  CreateTableOptions,
  GsiSpec,
  KeyAttribute,
  LsiSpec,
  ProjectionSpec,
} from './tables.js';
export { createTable, createTableInput, putItems, scanAll } from './tables.js';
export { startFaultProxy } from './fault-proxy.js';
export type {
  AuthorizeHook,
  AuthorizeRequest,
  FaultProxy,
  FaultProxyOptions,
  FaultProxyStats,
  FaultCounts,
  FaultRule,
} from './fault-proxy.js';
export type { InjectedResponse } from './fault-responses.js';
export { createPolicyEnforcer } from './policy-enforcer.js';
export { createCrossAccountStreamsModel } from './cross-account-streams.js';
export type {
  CrossAccountStreamsModel,
  CrossAccountStreamsOptions,
  ModeledEventSourceMapping,
  StreamPolicyRecord,
} from './cross-account-streams.js';
export type { PolicyEnforcer, PolicyEnforcerOptions, PolicyEnforcerStats } from './policy-enforcer.js';
export { identifyOperation } from './request-operation.js';
export type { RequestOperation } from './request-operation.js';
export type { SimClock, SimClockOptions } from './streams-sim/sim-clock.js';
export { createSimClock } from './streams-sim/sim-clock.js';
export type {
  AppendResult,
  SimEventName,
  SimRecordInput,
  SimShard,
  SimStream,
  SimStreamViewType,
} from './streams-sim/stream-types.js';
export type { StreamsSim, StreamsSimOptions, StreamsSimStats } from './streams-sim/streams-sim-server.js';
export { startStreamsSim } from './streams-sim/streams-sim-server.js';
export type { FeedFromOptions, StreamFeed } from './streams-sim/feed-from.js';
export { feedFrom } from './streams-sim/feed-from.js';
export type {
  EsmContext,
  EsmCounters,
  EsmHandler,
  EsmRecord,
  EventSourceMappingOptions,
  OnFailureMessage,
} from './streams-sim/esm-types.js';
export type { EventSourceMapping } from './streams-sim/event-source-mapping.js';
export { createEventSourceMapping } from './streams-sim/event-source-mapping.js';
