import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ConfigError, createDynamoDbClient, createStsClient, localPathError } from '@ddb-migrate/core';
import { type AppPlan, parseAppPlan, type ResolvedAppTable, resolveAppTables } from '@ddb-migrate/migration';
import type { CliContext } from '../../context.js';
import { resolveSides } from '../../sides.js';

/** Reads and validates a plan file (`--file`). */
export async function readPlanFile(path: string): Promise<AppPlan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw (
      localPathError(error, { path, label: 'Plan file', flag: '--file' }) ??
      new ConfigError(`Plan file ${path} cannot be read (${(error as Error).message})`, {
        hint: 'Check --file',
      })
    );
  }
  return parseAppPlan(text, path);
}

/**
 * The command-line values a plan file stands for, for one table: the sides once, the table and
 * its options. What the file says wins (yargs fills every flag's default in, so a flag cannot be
 * told from its default); flags add what the file does not say (--endpoint-url, --yes, ...).
 */
export function tableArgv(
  plan: AppPlan,
  table: Pick<ResolvedAppTable, 'name' | 'targetName'> & Partial<ResolvedAppTable>,
  argv: Record<string, unknown>,
): Record<string, unknown> {
  const fromFile: Record<string, unknown> = {
    sourceRegion: plan.source.region,
    sourceAccountId: plan.source.accountId,
    sourceProfile: plan.source.profile,
    targetRegion: plan.target.region,
    targetAccountId: plan.target.accountId,
    targetRoleName: plan.target.roleName,
    targetRoleArn: plan.target.roleArn,
    targetProfile: plan.target.profile,
    targetS3BucketName: plan.target.bucket,
    stateDir: plan.stateDir,
    loadMode: table.loadMode,
    cdcMode: table.cdcMode,
    cdcLambdaFunctionName: table.cdcLambdaFunctionName,
    maxWcu: table.maxWcu === undefined ? undefined : String(table.maxWcu),
    writeConcurrency: table.writeConcurrency === undefined ? undefined : String(table.writeConcurrency),
    dlqUrl: table.dlqUrl,
    enablePitr: table.enablePitr,
  };
  const given = Object.fromEntries(Object.entries(argv).filter(([, v]) => v !== undefined));
  const merged: Record<string, unknown> = {
    ...given,
    ...Object.fromEntries(Object.entries(fromFile).filter(([, v]) => v !== undefined)),
  };
  merged.sourceTableName = table.name;
  merged.targetTableName = table.targetName;
  delete merged.file;
  return merged;
}

/** A context whose stderr lines carry the table's name, so one view shows every table's progress. */
export function tableContext(ctx: CliContext, table: string): CliContext {
  let pending = '';
  const stderr = new Writable({
    write(chunk: Buffer, _encoding, done) {
      pending += chunk.toString().replace(/\r/g, '\n');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) ctx.stderr.write(`[${table}] ${line}\n`);
      done();
    },
  });
  return { ...ctx, stderr: stderr as unknown as CliContext['stderr'] };
}

/** Refuses a flag that names one table when --file names them all. */
export function refuseTableFlags(argv: Record<string, unknown>): void {
  for (const [key, flag] of [
    ['sourceTableName', '--source-table-name'],
    ['targetTableName', '--target-table-name'],
  ] as const) {
    if (argv[key] !== undefined) {
      throw new ConfigError(`${flag} and --file both name the tables`, {
        hint: `Drop ${flag}: the plan file lists the tables`,
      });
    }
  }
}

/** The tables of the file, `select` read from the source account. */
export async function appTables(
  appPlan: AppPlan,
  argv: Record<string, unknown>,
  ctx: CliContext,
): Promise<ResolvedAppTable[]> {
  if (!appPlan.select) return resolveAppTables(appPlan);
  const sides = resolveSides(
    tableArgv(appPlan, { name: 'select', targetName: 'select' }, argv) as never,
    ctx.env,
  );
  const ddb = createDynamoDbClient(sides.source);
  const sts = createStsClient(sides.source);
  try {
    const account =
      appPlan.source.accountId ?? (await sts.send(new GetCallerIdentityCommand({}))).Account ?? '';
    return await resolveAppTables(appPlan, {
      sourceDdb: ddb,
      sourceRegion: sides.source.region,
      sourceAccountId: account,
    });
  } finally {
    ddb.destroy();
    sts.destroy();
  }
}
