import {
  DescribeTableCommand,
  type DynamoDBClient,
  PutResourcePolicyCommand,
  TagResourceCommand,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
  type TableDescription,
  type UpdateTableInput,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { type Logger, noopLogger } from '../logger.js';
import type { PostCreateSetting } from './types.js';

/** Tuning of {@link applyPostCreateSettings}; the defaults suit real AWS. */
export interface ApplyPostCreateOptions {
  /** How often to poll DescribeTable while waiting for ACTIVE before an UpdateTable (default 2000 ms). */
  pollIntervalMs?: number;
  /** How long to wait for ACTIVE before an UpdateTable (default 10 min). */
  activeTimeoutMs?: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/** What {@link applyPostCreateSettings} did. */
export interface ApplyPostCreateResult {
  applied: PostCreateSetting[];
  failed: { setting: PostCreateSetting; error: string }[];
}

const TAG_CHUNK = 50;

/**
 * Applies each setting separately (UpdateTimeToLive, UpdateContinuousBackups, TagResource in
 * chunks of 50, one UpdateTable per deletion protection / table class / warm throughput / stream /
 * on-demand maximum, PutResourcePolicy). A failed setting is recorded in `failed` and the others
 * still run: never throws for one setting. Re-applying is safe: "already enabled" answers count as
 * applied. UpdateTable calls wait for the table to be ACTIVE first.
 *
 * @param tableName the target table's name or ARN.
 */
export async function applyPostCreateSettings(
  client: DynamoDBClient,
  tableName: string,
  settings: PostCreateSetting[],
  logger: Logger = noopLogger,
  options: ApplyPostCreateOptions = {},
): Promise<ApplyPostCreateResult> {
  const result: ApplyPostCreateResult = { applied: [], failed: [] };
  const ctx = new ApplyContext(client, tableName, options);
  for (const setting of settings) {
    try {
      await applyOne(ctx, setting);
      result.applied.push(setting);
      logger.info('post-create setting applied', { table: tableName, kind: setting.kind });
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      result.failed.push({ setting, error: message });
      logger.warn('post-create setting failed', { table: tableName, kind: setting.kind, error: message });
    }
  }
  return result;
}

class ApplyContext {
  private arn: string | undefined;
  readonly sleep: (ms: number) => Promise<void>;

  constructor(
    readonly client: DynamoDBClient,
    readonly tableName: string,
    readonly options: ApplyPostCreateOptions,
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    if (tableName.startsWith('arn:')) this.arn = tableName;
  }

  /** TagResource and PutResourcePolicy need the ARN. */
  async tableArn(): Promise<string> {
    if (this.arn) return this.arn;
    const out = await this.client.send(new DescribeTableCommand({ TableName: this.tableName }));
    if (!out.Table?.TableArn) throw new Error(`DescribeTable ${this.tableName} returned no TableArn`);
    this.arn = out.Table.TableArn;
    return this.arn;
  }

  async describe(): Promise<TableDescription> {
    const out = await this.client.send(new DescribeTableCommand({ TableName: this.tableName }));
    if (!out.Table) throw new Error(`DescribeTable ${this.tableName} returned no Table`);
    return out.Table;
  }

  async waitForActive(): Promise<void> {
    const deadline = Date.now() + (this.options.activeTimeoutMs ?? 600_000);
    for (;;) {
      const out = { Table: await this.describe() };
      const busyIndex = (out.Table?.GlobalSecondaryIndexes ?? []).some(
        (g) => g.IndexStatus !== undefined && g.IndexStatus !== 'ACTIVE',
      );
      if (out.Table?.TableStatus === 'ACTIVE' && !busyIndex) return;
      if (Date.now() > deadline) throw new Error(`table ${this.tableName} did not become ACTIVE in time`);
      await this.sleep(this.options.pollIntervalMs ?? 2000);
    }
  }

  async updateTable(update: Omit<UpdateTableInput, 'TableName'>): Promise<void> {
    await this.waitForActive();
    await this.client.send(new UpdateTableCommand({ ...update, TableName: this.tableName }));
  }
}

async function applyOne(ctx: ApplyContext, setting: PostCreateSetting): Promise<void> {
  switch (setting.kind) {
    case 'ttl':
      try {
        await ctx.client.send(
          new UpdateTimeToLiveCommand({
            TableName: ctx.tableName,
            TimeToLiveSpecification: { Enabled: true, AttributeName: setting.attributeName },
          }),
        );
      } catch (error) {
        if (!isAlready(error, /TimeToLive is already enabled/i)) throw error;
      }
      return;
    case 'pitr':
      await ctx.client.send(
        new UpdateContinuousBackupsCommand({
          TableName: ctx.tableName,
          PointInTimeRecoverySpecification: {
            PointInTimeRecoveryEnabled: true,
            ...(setting.recoveryPeriodInDays !== undefined
              ? { RecoveryPeriodInDays: setting.recoveryPeriodInDays }
              : {}),
          },
        }),
      );
      return;
    case 'tags': {
      const arn = await ctx.tableArn();
      for (let i = 0; i < setting.tags.length; i += TAG_CHUNK) {
        await ctx.client.send(
          new TagResourceCommand({ ResourceArn: arn, Tags: setting.tags.slice(i, i + TAG_CHUNK) }),
        );
      }
      return;
    }
    case 'deletion-protection':
      await ctx.updateTable({ DeletionProtectionEnabled: setting.enabled });
      return;
    case 'table-class':
      await ctx.updateTable({ TableClass: setting.tableClass });
      return;
    case 'warm-throughput':
      await ctx.updateTable({ WarmThroughput: setting.warmThroughput });
      return;
    case 'on-demand-throughput':
      await ctx.updateTable({ OnDemandThroughput: setting.onDemandThroughput });
      return;
    case 'stream': {
      // Checked first: an enabled stream cannot be enabled again (the error differs by endpoint).
      const current = await ctx.describe();
      if (current.StreamSpecification?.StreamEnabled) {
        const actual = current.StreamSpecification.StreamViewType;
        if (actual === setting.streamViewType) return;
        throw new Error(
          `the table already has a ${actual ?? 'unknown'} stream, not ${setting.streamViewType}`,
        );
      }
      await ctx.updateTable({
        StreamSpecification: { StreamEnabled: true, StreamViewType: setting.streamViewType },
      });
      return;
    }
    case 'resource-policy':
      await ctx.client.send(
        new PutResourcePolicyCommand({ ResourceArn: await ctx.tableArn(), Policy: setting.policy }),
      );
      return;
  }
}

function isAlready(error: unknown, pattern: RegExp): boolean {
  return error instanceof Error && error.name === 'ValidationException' && pattern.test(error.message);
}
