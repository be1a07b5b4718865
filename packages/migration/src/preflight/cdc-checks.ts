import {
  type EventSourceMappingConfiguration,
  GetEventSourceMappingCommand,
  GetFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { describeSdkError, sdkErrorName } from '@ddb-migrate/core';
import { estimateMigration } from './estimate.js';
import {
  droppingMapping,
  isOwnUnsavedMapping,
  isReadingMapping,
  listStreamMappings,
  recordDroppingReason,
  streamReader,
  unrecordedMapping,
} from '../mapping-policy.js';
import {
  error,
  type Finding,
  info,
  type PreflightCheck,
  type PreflightContext,
  warning,
} from './preflight-types.js';
import { catchUpApplies } from '../catch-up/catch-up-step.js';
import { cdcSideClients } from '../migration-clients.js';
import { streamWindowProblem } from '../steps/stream-window.js';

/** Lambda mode: the CDC function exists (in the account `--cdc-account` names) and has a dead-letter queue. */
export const checkCdcFunction: PreflightCheck = async ({ options, clients, facts }) => {
  const account = options.cdcAccount;
  const side = cdcSideClients(clients, account);
  const template = account === 'target' ? 'cfn/target.yaml with CdcAccount=target' : 'cfn/source.yaml';
  if (options.cdcMode !== 'lambda') {
    if (options.cdcMode === 'local') {
      return [
        ...(await localModeReaders(clients.sourceLambda, facts.streamArn, 'source')),
        // A mapping in the target account (--cdc-account target) reads the same stream.
        ...(await localModeReaders(clients.targetLambda, facts.streamArn, 'target')),
        ...(options.dlqUrl ? await localModeQueue(clients, options.dlqUrl) : []),
      ];
    }
    return options.cdcMode === 'none'
      ? [warning('CDC_NONE', 'No CDC: changes after the export cut-off will not reach the target')]
      : [];
  }
  let env: Record<string, string>;
  try {
    const fn = await side.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: options.cdcLambdaFunctionName }),
    );
    facts.functionArn = fn.FunctionArn;
    if (fn.Role) facts.functionRoleArn = fn.Role;
    env = fn.Environment?.Variables ?? {};
    facts.functionEnv = env;
  } catch (err) {
    if (sdkErrorName(err) === 'ResourceNotFoundException') {
      const cdc = facts.state?.cdc;
      if (cdc?.mode === 'lambda' && cdc.functionConfigured) {
        return [
          error(
            'FUNCTION_GONE',
            `CDC Lambda function ${options.cdcLambdaFunctionName}, which this migration (run ${facts.state?.runId}) configured${cdc.esmUuid ? ` and mapped to the source stream (${cdc.esmUuid})` : ''}, no longer exists in the ${account} account: the target is not kept in sync`,
            `Deploy it again (${template}) and run migrate again: it configures the function and maps the stream from TRIM_HORIZON (the stream's last 24 h); for older changes run \`ddb-migrate verify --repair\` once writes to the source stopped`,
          ),
        ];
      }
      return [
        error(
          'FUNCTION_NOT_FOUND',
          `CDC Lambda function ${options.cdcLambdaFunctionName} does not exist in the ${account} account`,
          `Deploy it (${template}) or pass --cdc-lambda-function-name, or use --cdc-mode local`,
        ),
      ];
    }
    return [
      error(
        'FUNCTION_UNREADABLE',
        `Cannot read CDC function ${options.cdcLambdaFunctionName} (${describeSdkError(err)})`,
        'Grant lambda:GetFunctionConfiguration',
      ),
    ];
  }
  const dlqUrl = options.dlqUrl ?? env.SQS_QUEUE_URL_FOR_FAILED_EVENTS;
  if (!dlqUrl) {
    return [
      error(
        'DLQ_MISSING',
        'No queue for records the CDC cannot apply',
        'Pass --dlq-url <SQS queue URL> (or set SQS_QUEUE_URL_FOR_FAILED_EVENTS on the function)',
      ),
    ];
  }
  try {
    const out = await side.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    facts.dlqUrl = dlqUrl;
    facts.dlqArn = out.Attributes?.QueueArn;
  } catch (err) {
    return [
      error(
        'DLQ_NOT_FOUND',
        `Dead-letter queue ${dlqUrl} is not reachable in the ${account} account (${describeSdkError(err)})`,
        `Create the queue (${template}) or fix --dlq-url`,
      ),
    ];
  }
  const refusal = await mappingRefusal(side.lambda, options.cdcLambdaFunctionName, facts);
  if (refusal) return [refusal];
  return recordedMapping(side.lambda, facts);
};

/**
 * Lambda mode: the function's live mappings on the stream. Only the one recorded in the state (or
 * made by its recorded request before a crash) may be reused, and only if it has not dropped
 * records; anything else is refused here, before anything changes.
 */
async function mappingRefusal(
  lambda: PreflightContext['clients']['sourceLambda'],
  functionName: string,
  facts: PreflightContext['facts'],
): Promise<Finding | undefined> {
  if (!facts.streamArn) return undefined;
  let mappings: EventSourceMappingConfiguration[];
  try {
    mappings = await listStreamMappings(lambda, facts.streamArn, functionName);
  } catch {
    // Not allowed to list: the CDC step lists again before it creates or reuses a mapping.
    return undefined;
  }
  const cdc = facts.state?.cdc;
  for (const m of mappings.filter((x) => x.State !== 'Deleting')) {
    if (m.UUID !== cdc?.esmUuid && !isOwnUnsavedMapping(m, cdc)) {
      const { message, fix } = unrecordedMapping(m, functionName);
      return error('ESM_NOT_RECORDED', message, fix);
    }
    const reason = recordDroppingReason(m);
    if (reason) {
      const { message, fix } = droppingMapping(m, reason);
      return error('ESM_DROPS_RECORDS', message, fix);
    }
  }
  return undefined;
}

/**
 * Lambda mode on resume: the event source mapping the state records still exists. A missing one
 * is not a refusal (deleting a mapping is how other refusals are fixed): apply makes a new one at
 * TRIM_HORIZON, and the plan says what that replays and what it cannot.
 */
async function recordedMapping(
  lambda: PreflightContext['clients']['sourceLambda'],
  facts: PreflightContext['facts'],
): Promise<Finding[]> {
  const uuid = facts.state?.cdc?.mode === 'lambda' ? facts.state.cdc.esmUuid : undefined;
  if (!uuid) return [];
  try {
    const m = await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    if (m.State !== 'Deleting') return [];
  } catch (err) {
    // Not allowed to read it: the CDC step reads it again before it relies on it.
    if (sdkErrorName(err) !== 'ResourceNotFoundException') return [];
  }
  facts.recordedMappingGone = true;
  return [
    warning(
      'ESM_GONE',
      `Event source mapping ${uuid}, which this migration (run ${facts.state?.runId}) created, no longer exists: the target is not kept in sync`,
      "migrate creates a new mapping at TRIM_HORIZON, which replays the stream's last 24 h; changes older than that no mapping applied: run `ddb-migrate verify --repair` once writes to the source stopped",
    ),
  ];
}

/** Local mode with --dlq-url: the queue for records CDC cannot apply exists. */
async function localModeQueue(clients: PreflightContext['clients'], dlqUrl: string): Promise<Finding[]> {
  try {
    await clients.sourceSqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    return [];
  } catch (err) {
    return [
      error(
        'DLQ_NOT_FOUND',
        `Dead-letter queue ${dlqUrl} is not reachable (${describeSdkError(err)})`,
        'Create the queue (cfn/source.yaml) or fix --dlq-url',
      ),
    ];
  }
}

/**
 * Local mode: a mapping reading the stream would be a second consumer (at most two readers per
 * shard, DynamoDB service quotas) and, if it is the CDC function's, a second writer to the target.
 */
async function localModeReaders(
  lambda: PreflightContext['clients']['sourceLambda'],
  streamArn: string | undefined,
  account: 'source' | 'target',
): Promise<Finding[]> {
  if (!streamArn) return [];
  let mappings: EventSourceMappingConfiguration[];
  try {
    mappings = await listStreamMappings(lambda, streamArn);
  } catch (err) {
    return [
      warning(
        'STREAM_READERS_UNKNOWN',
        `Cannot list the ${account} account's event source mappings on the source stream (${describeSdkError(err)})`,
        'Grant lambda:ListEventSourceMappings, or make sure no mapping reads the stream while local CDC runs',
      ),
    ];
  }
  const reader = mappings.find(isReadingMapping);
  if (!reader) return [];
  const { message, fix } = streamReader(reader);
  return [error('STREAM_HAS_MAPPING', message, fix)];
}

/** Size, duration and cost estimates, the 24 h stream-window risk, and what a resume will do. */
export const checkEstimate: PreflightCheck = async ({ options, facts }) => {
  const table = facts.source?.table;
  if (!table || !facts.loadMode) return [];
  facts.estimate = estimateMigration({
    itemCount: Number(table.ItemCount ?? 0),
    sizeBytes: Number(table.TableSizeBytes ?? 0),
    loadMode: facts.loadMode,
    ...(options.maxWcu === undefined ? {} : { maxWcu: options.maxWcu }),
  });
  const findings = [];
  if (facts.estimate.streamWindowRisk && options.cdcMode !== 'none') {
    findings.push(
      warning(
        'STREAM_WINDOW_RISK',
        `Export + load may take ~${facts.estimate.exportMinutes + facts.estimate.loadMinutes} min, close to the stream's 24 h retention`,
        options.catchUp === 'incremental'
          ? 'Raise --max-wcu or use import mode; if CDC cannot start in time, migrate bridges the gap with incremental exports first (--catch-up incremental)'
          : 'Raise --max-wcu or use import mode; if CDC cannot start in time, migrate stops (--catch-up refuse)',
      ),
    );
  }
  const state = facts.state;
  if (state) {
    findings.push(info('RESUME', `Resuming migration ${state.runId} (state file in ${options.stateDir})`));
    const problem = streamWindowProblem(state, options.exportTimeMarginSeconds, Date.now());
    // With --catch-up incremental the plan's catch-up step bridges the gap instead.
    const bridged = options.catchUp === 'incremental' && catchUpApplies(state);
    if (problem && state.cdc?.status !== 'done' && !bridged)
      findings.push(error('STREAM_WINDOW_EXCEEDED', problem.message, problem.fix));
  }
  return findings;
};
