import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { isolatedSides, motoEndpoint, sideEnv, storedZip, uniqueName } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import type { BootstrapResult } from '../src/commands/bootstrap/run.js';
import { cli } from './support/run-cli.js';

/** A fresh pair of accounts, the flags that reach the target through an admin role, unique stack names. */
async function setUp() {
  const sides = isolatedSides();
  const env = await sideEnv(sides.source);
  delete env.AWS_ENDPOINT_URL;
  const targetStack = uniqueName('tgt');
  const sourceStack = uniqueName('src');
  const args = [
    'bootstrap',
    '--endpoint-url',
    motoEndpoint(),
    '--source-region',
    'us-east-1',
    '--target-account-id',
    sides.targetAccount,
    '--target-role-name',
    'OrganizationAccountAccessRole',
    '--source-table-name',
    'orders',
    '--target-stack-name',
    targetStack,
    '--source-stack-name',
    sourceStack,
    '--poll-interval',
    '0.1',
  ];
  const exists = async (client: CloudFormationClient, name: string) =>
    client.send(new DescribeStacksCommand({ StackName: name })).then(
      () => true,
      (error: Error) => {
        if (/does not exist/.test(error.message)) return false;
        throw error;
      },
    );
  /** Neither stack exists in either account. */
  const noStacks = async () => ({
    target: await exists(new CloudFormationClient(sides.target), targetStack),
    source: await exists(new CloudFormationClient(sides.source), sourceStack),
  });
  return { sides, env, args, targetStack, sourceStack, noStacks };
}

const oneLine = (stderr: string) => stderr.split('\n').filter((line) => line !== '');

describe('bootstrap checks every input of both stacks before its first change', () => {
  it('refuses a source stack without function code before it deploys the target stack (exit 2, no stack)', async () => {
    const { env, args, noStacks } = await setUp();
    const run = await cli(args, env);
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toEqual([
      expect.stringContaining(
        'needs --code-bucket/--code-key (or --code-s3-uri, or --code-file with --code-bucket)',
      ),
    ]);
    expect(run.stderr).not.toContain('creating stack');
    expect(await noStacks()).toEqual({ target: false, source: false });
  });

  it('refuses an export bucket name that already exists outside the stack', async () => {
    const { sides, env, args, noStacks } = await setUp();
    const bucket = uniqueName('taken-export');
    await new S3Client({ ...sides.target, forcePathStyle: true }).send(
      new CreateBucketCommand({ Bucket: bucket }),
    );
    const zipDir = await mkdtemp(join(tmpdir(), 'bootstrap-preflight-'));
    const zipFile = join(zipDir, 'fn.zip');
    await writeFile(zipFile, storedZip({ 'index.mjs': 'export const handler = async () => ({});\n' }));
    const run = await cli(
      [
        ...args,
        '--target-s3-bucket-name',
        bucket,
        '--code-bucket',
        uniqueName('code'),
        '--code-file',
        zipFile,
      ],
      env,
    );
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `The export bucket ${bucket} already exists in the target account .* --target-s3-bucket-name`,
        ),
      ),
    ]);
    expect(await noStacks()).toEqual({ target: false, source: false });
    // The code bucket was not created and nothing was uploaded either.
    const sourceBuckets = await new S3Client({ ...sides.source, forcePathStyle: true }).send(
      new ListBucketsCommand({}),
    );
    expect((sourceBuckets.Buckets ?? []).map((b) => b.Name)).not.toContain(expect.stringMatching(/^code-/));
  });

  it('names every problem of both stacks in one line: role taken, bad parameter, unreadable code file', async () => {
    const { sides, env, args, noStacks } = await setUp();
    await new IAMClient(sides.target).send(
      new CreateRoleCommand({ RoleName: 'cross_account_assume_role', AssumeRolePolicyDocument: '{}' }),
    );
    const run = await cli(
      [
        ...args,
        '--source-parameter',
        'MemorySize=64',
        '--source-parameter',
        'NoSuchParameter=1',
        '--code-bucket',
        uniqueName('code'),
        '--code-file',
        '/nonexistent/function.zip',
      ],
      env,
    );
    expect(run.code).toBe(2);
    const lines = oneLine(run.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/bootstrap found 4 problems/);
    expect(lines[0]).toContain('IAM role cross_account_assume_role already exists in account');
    expect(lines[0]).toContain('--migration-role-name');
    expect(lines[0]).toContain('MemorySize="64" is below 256');
    expect(lines[0]).toContain('has no parameter NoSuchParameter');
    expect(lines[0]).toContain('Cannot read --code-file /nonexistent/function.zip (ENOENT)');
    expect(await noStacks()).toEqual({ target: false, source: false });
  });

  it('refuses code named by --code-s3-uri that does not exist', async () => {
    const { sides, env, args, noStacks } = await setUp();
    const bucket = uniqueName('code');
    await new S3Client({ ...sides.source, forcePathStyle: true }).send(
      new CreateBucketCommand({ Bucket: bucket }),
    );
    const run = await cli([...args, '--code-s3-uri', `s3://${bucket}/missing.zip`], env);
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toEqual([
      expect.stringContaining(`The function code s3://${bucket}/missing.zip does not exist`),
    ]);
    expect(await noStacks()).toEqual({ target: false, source: false });
  });

  it('passes its checks on a re-run: names the stacks own are not taken', async () => {
    const { env, args } = await setUp();
    const zipDir = await mkdtemp(join(tmpdir(), 'bootstrap-preflight-'));
    const zipFile = join(zipDir, 'fn.zip');
    await writeFile(zipFile, storedZip({ 'index.mjs': 'export const handler = async () => ({});\n' }));
    const first = await cli(
      [...args, '--code-bucket', uniqueName('code'), '--code-file', zipFile, '--output', 'json'],
      env,
    );
    expect(first.stderr).not.toMatch(/^Error/m);
    expect(first.code).toBe(0);
    const again = await cli([...args, '--output', 'json'], env);
    expect(again.stderr).not.toMatch(/^Error/m);
    expect(again.code).toBe(0);
    const result = JSON.parse(again.stdout) as BootstrapResult;
    expect(['updated', 'unchanged']).toContain(result.target?.action);
    expect(['updated', 'unchanged']).toContain(result.source?.action);
  });
});
