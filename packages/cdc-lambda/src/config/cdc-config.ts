import {
  ConfigError,
  type Env,
  getEnumFromEnv,
  getIntFromEnv,
  getOptionalStringFromEnv,
  getStringFromEnv,
} from '@ddb-migrate/core';
import { cutoffEpochSeconds, parseExportTime } from './export-time.js';

/** What to do with TTL deletes (REMOVE records made by the DynamoDB service). */
export type TtlDeletesMode = 'replicate' | 'skip';

/** Default margin subtracted from the export time: exports are accurate to about +-1 minute. */
export const DEFAULT_EXPORT_TIME_MARGIN_SECONDS = 300;
/** Smallest margin accepted: below two minutes a change that is not in the export could be skipped. */
export const MIN_EXPORT_TIME_MARGIN_SECONDS = 120;

/** The CDC Lambda's validated, frozen configuration (read once per cold start). */
export interface CdcLambdaConfig {
  targetTableName: string;
  targetRegion: string;
  targetAccountId: string;
  /** Role in the target account to assume; without it writes go to {@link targetTableArn} (resource policy). */
  targetRoleArn?: string;
  targetTableArn: string;
  /** What write requests use as TableName: the name when a role is assumed, the ARN otherwise. */
  targetTableId: string;
  dlqUrl: string;
  exportTimeSeconds: number;
  marginSeconds: number;
  /** floor(EXPORT_TIME) - margin, epoch seconds. */
  cutoffEpochSeconds: number;
  ttlDeletes: TtlDeletesMode;
  /** Source table for fetch-on-change (KEYS_ONLY / OLD_IMAGE streams); default: derived from the record's stream ARN. */
  sourceTableArn?: string;
  /** Custom endpoint for every client (local runs against moto). */
  endpoint?: string;
}

const TABLE_ARN = /^arn:aws[\w-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}$/;
const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/.+$/;

/**
 * Reads and validates the Lambda's environment (the seed's variable names). A missing or
 * malformed variable throws a ConfigError naming it, which fails the cold start.
 *
 * @example const config = readCdcLambdaConfig(process.env);
 */
export function readCdcLambdaConfig(env: Env): Readonly<CdcLambdaConfig> {
  const targetTableName = getStringFromEnv(env, 'TARGET_DYNAMODB_TABLE_NAME');
  const targetRegion = getStringFromEnv(env, 'TARGET_REGION');
  const targetAccountId = getStringFromEnv(env, 'TARGET_AWS_ACCOUNT_NUMBER');
  if (!/^\d{12}$/.test(targetAccountId)) {
    throw invalid('TARGET_AWS_ACCOUNT_NUMBER', targetAccountId, 'a 12-digit AWS account id');
  }
  const targetRoleArn = getOptionalStringFromEnv(env, 'TARGET_ROLE_ARN');
  if (targetRoleArn !== undefined && !ROLE_ARN.test(targetRoleArn)) {
    throw invalid('TARGET_ROLE_ARN', targetRoleArn, 'an IAM role ARN (arn:aws:iam::<account>:role/<name>)');
  }
  const dlqUrl = getStringFromEnv(env, 'SQS_QUEUE_URL_FOR_FAILED_EVENTS');
  if (!/^https?:\/\//.test(dlqUrl))
    throw invalid('SQS_QUEUE_URL_FOR_FAILED_EVENTS', dlqUrl, 'an SQS queue URL');
  const exportTimeSeconds = parseExportTime(getStringFromEnv(env, 'EXPORT_TIME'), 'EXPORT_TIME');
  const marginSeconds = getIntFromEnv(env, 'EXPORT_TIME_MARGIN_SECONDS', {
    default: DEFAULT_EXPORT_TIME_MARGIN_SECONDS,
    min: MIN_EXPORT_TIME_MARGIN_SECONDS,
    max: 86_400,
  });
  const ttlDeletes = getEnumFromEnv<TtlDeletesMode>(env, 'TTL_DELETES', ['replicate', 'skip'], {
    default: 'replicate',
  });
  const sourceTableArn = getOptionalStringFromEnv(env, 'SOURCE_TABLE_ARN');
  if (sourceTableArn !== undefined && !TABLE_ARN.test(sourceTableArn)) {
    throw invalid('SOURCE_TABLE_ARN', sourceTableArn, 'a DynamoDB table ARN');
  }
  const endpoint = getOptionalStringFromEnv(env, 'AWS_ENDPOINT_URL');
  const targetTableArn = tableArn(targetRegion, targetAccountId, targetTableName);
  return Object.freeze({
    targetTableName,
    targetRegion,
    targetAccountId,
    ...(targetRoleArn === undefined ? {} : { targetRoleArn }),
    targetTableArn,
    targetTableId: targetRoleArn === undefined ? targetTableArn : targetTableName,
    dlqUrl,
    exportTimeSeconds,
    marginSeconds,
    cutoffEpochSeconds: cutoffEpochSeconds(exportTimeSeconds, marginSeconds),
    ttlDeletes,
    ...(sourceTableArn === undefined ? {} : { sourceTableArn }),
    ...(endpoint === undefined ? {} : { endpoint }),
  });
}

/** `arn:<partition>:dynamodb:<region>:<account>:table/<name>`. */
export function tableArn(region: string, accountId: string, tableName: string): string {
  const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return `arn:${partition}:dynamodb:${region}:${accountId}:table/${tableName}`;
}

/** The table ARN of a stream ARN (`.../table/<name>/stream/<label>` -> `.../table/<name>`). */
export function tableArnFromStreamArn(streamArn: string): string | undefined {
  const index = streamArn.indexOf('/stream/');
  return index > 0 ? streamArn.slice(0, index) : undefined;
}

/** The region in a DynamoDB ARN. */
export function regionFromArn(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

function invalid(name: string, value: string, expected: string): ConfigError {
  return new ConfigError(`Environment variable ${name} must be ${expected}, got "${value}"`, {
    code: 'ENV_INVALID',
  });
}
