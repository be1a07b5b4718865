import {
  type EventSourceMappingConfiguration,
  GetFunctionConfigurationCommand,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { estimateMigration } from './estimate.js';
import {
  awsErrorName,
  describeError,
  error,
  info,
  type PreflightCheck,
  type PreflightContext,
  warning,
} from './preflight-types.js';
import { streamWindowProblem } from '../steps/stream-window.js';

/** Lambda mode: the CDC function exists (source account) and has a dead-letter queue to report to. */
export const checkCdcFunction: PreflightCheck = async ({ options, clients, facts }) => {
  if (options.cdcMode !== 'lambda') {
    if (options.cdcMode === 'local')
      facts.actions.push({
        step: 'cdc',
        text: 'Run CDC in this process until the stream is drained (--cdc-mode local)',
      });
    return options.cdcMode === 'none'
      ? [warning('CDC_NONE', 'No CDC: changes after the export cut-off will not reach the target')]
      : [];
  }
  let env: Record<string, string>;
  try {
    const fn = await clients.sourceLambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: options.cdcLambdaFunctionName }),
    );
    facts.functionArn = fn.FunctionArn;
    env = fn.Environment?.Variables ?? {};
    facts.functionEnv = env;
  } catch (err) {
    if (awsErrorName(err) === 'ResourceNotFoundException') {
      return [
        error(
          'FUNCTION_NOT_FOUND',
          `CDC Lambda function ${options.cdcLambdaFunctionName} does not exist in the source account`,
          'Deploy it (cfn/source.yaml) or pass --cdc-lambda-function-name, or use --cdc-mode local',
        ),
      ];
    }
    return [
      error(
        'FUNCTION_UNREADABLE',
        `Cannot read CDC function ${options.cdcLambdaFunctionName} (${describeError(err)})`,
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
    const out = await clients.sourceSqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    facts.dlqUrl = dlqUrl;
    facts.dlqArn = out.Attributes?.QueueArn;
  } catch (err) {
    return [
      error(
        'DLQ_NOT_FOUND',
        `Dead-letter queue ${dlqUrl} is not reachable (${describeError(err)})`,
        'Create the queue (cfn/source.yaml) or fix --dlq-url',
      ),
    ];
  }
  const stale = await staleMapping(clients, options.cdcLambdaFunctionName, facts.streamArn);
  if (stale) {
    return [
      error(
        'ESM_WRONG_START',
        `Event source mapping ${stale.UUID} of ${options.cdcLambdaFunctionName} on the source stream starts at ${stale.StartingPosition}, so it would skip changes after the export`,
        `Delete it (aws lambda delete-event-source-mapping --uuid ${stale.UUID}); migrate creates one at TRIM_HORIZON`,
      ),
    ];
  }
  facts.actions.push({
    step: 'cdc',
    text: `Configure ${options.cdcLambdaFunctionName} (EXPORT_TIME, TARGET_*) and map the source stream to it (TRIM_HORIZON, batch ${options.lambdaEventSourceBatchSize})`,
  });
  return [];
};

/** A mapping of the function on the stream that does not start at TRIM_HORIZON (migrate would reuse it). */
async function staleMapping(
  clients: PreflightContext['clients'],
  functionName: string,
  streamArn: string | undefined,
): Promise<EventSourceMappingConfiguration | undefined> {
  if (!streamArn) return undefined;
  try {
    const out = await clients.sourceLambda.send(
      new ListEventSourceMappingsCommand({ EventSourceArn: streamArn, FunctionName: functionName }),
    );
    return (out.EventSourceMappings ?? []).find(
      (m) => m.StartingPosition !== undefined && m.StartingPosition !== 'TRIM_HORIZON',
    );
  } catch {
    // Not allowed to list: the CDC step checks again before reusing a mapping.
    return undefined;
  }
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
        'Raise --max-wcu or use import mode; if CDC cannot start in time, migrate stops and asks for an incremental-export catch-up',
      ),
    );
  }
  const state = facts.state;
  if (state) {
    findings.push(info('RESUME', `Resuming migration ${state.runId} (state file in ${options.stateDir})`));
    const problem = streamWindowProblem(state, options.exportTimeMarginSeconds, Date.now());
    if (problem && state.cdc?.status !== 'done')
      findings.push(error('STREAM_WINDOW_EXCEEDED', problem.message, problem.fix));
  }
  return findings;
};
