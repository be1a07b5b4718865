import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  createTable,
  generateItems,
  isolatedSides,
  motoEndpoint,
  sideEnv,
  startFaultProxy,
  putItems,
} from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { cli } from './support/run-cli.js';

/** Two accounts with the same 120 items; `base` are the verify flags (+ --endpoint-url, if given). */
async function identicalTables() {
  const sides = isolatedSides();
  const sourceClient = new DynamoDBClient(sides.source);
  const targetClient = new DynamoDBClient(sides.target);
  const schema = { partitionKey: 'pk', sortKey: { name: 'sk', type: 'N' as const } };
  const [source, target] = await Promise.all([
    createTable(sourceClient, schema),
    createTable(targetClient, schema),
  ]);
  const items = generateItems(120, { seed: 13, sk: 'sk' });
  await Promise.all([putItems(sourceClient, source.name, items), putItems(targetClient, target.name, items)]);
  const env = { ...(await sideEnv(sides.source)) };
  const base = (endpoint?: string) => [
    'verify',
    '--source-region',
    'us-east-1',
    '--source-table-name',
    source.name,
    '--target-table-name',
    target.name,
    '--target-role-arn',
    sides.targetRoleArn,
    '--recheck-delay',
    '0',
    ...(endpoint ? ['--endpoint-url', endpoint] : []),
  ];
  return { targetClient, target, env, base };
}

/** Lines of stderr that report an error (the CLI's one-line error format). */
const errorLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('Error:'));

describe('ddb-migrate verify while running', () => {
  it('prints progress lines with per-side rates on a non-TTY stderr, and exactly one JSON document on stdout', async () => {
    const s = await identicalTables();

    const { code, stdout, stderr } = await cli([...s.base(), '--output', 'json'], s.env);

    expect(code).toBe(0);
    expect(stderr).toMatch(/source \d+\/\d+ \(\d+\/s\)\s+target \d+\/\d+ \(\d+\/s\)\s+segments \d+\/\d+/);
    expect(stderr).toContain('verify: scanned 120 source / 120 target items');
    expect(stderr).not.toContain('\r'); // plain lines, no TTY redraws
    const doc = JSON.parse(stdout); // throws if anything else shared stdout
    expect(doc).toMatchObject({ identical: true, matched: 120, throttles: 0, retries: 0 });
    expect(stdout.trimEnd().endsWith('}')).toBe(true);
    expect(stdout).not.toMatch(/items\/s|ETA/);
  });

  it('retries throttled reads itself and shows the throttles in the summary', async () => {
    const s = await identicalTables();
    const proxy = await startFaultProxy({
      target: motoEndpoint(),
      seed: 3,
      rules: [
        { service: 'dynamodb', operation: ['Scan', 'BatchGetItem'], throttleRate: 0.4, errorRate: 0.1 },
      ],
    });
    try {
      const json = await cli([...s.base(proxy.endpoint), '--output', 'json'], s.env);
      const text = await cli([...s.base(proxy.endpoint)], s.env);

      expect(json.code).toBe(0);
      const doc = JSON.parse(json.stdout);
      expect(doc).toMatchObject({ identical: true, matched: 120 });
      expect(doc.throttles).toBeGreaterThan(0);
      expect(doc.retries).toBeGreaterThanOrEqual(doc.throttles);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/throttled\s+[1-9]\d* call\(s\); [1-9]\d* retried/);
      // The CLI turns the SDK's retries off, so every injected fault is one the engine counted.
      const textThrottles = Number(/throttled\s+(\d+)/.exec(text.stdout)?.[1]);
      const textRetries = Number(/(\d+) retried/.exec(text.stdout)?.[1]);
      const stats = proxy.stats().total;
      expect(doc.throttles + textThrottles).toBe(stats.throttled);
      expect(doc.retries + textRetries).toBe(stats.throttled + stats.errors);
    } finally {
      await proxy.close();
    }
  });

  it('exits 3 with one error line and no summary when every read fails after the preflight', async () => {
    const s = await identicalTables();
    const dir = await mkdtemp(join(tmpdir(), 'verify-fail-'));
    const report = join(dir, 'r.ndjson');
    // DescribeTable (the preflight) passes; every Scan and BatchGetItem gets a 500.
    const proxy = await startFaultProxy({
      target: motoEndpoint(),
      rules: [{ service: 'dynamodb', operation: ['Scan', 'BatchGetItem'], errorRate: 1 }],
    });
    try {
      const { code, stdout, stderr } = await cli(
        [...s.base(proxy.endpoint), '--output', 'json', '--report', report],
        s.env,
      );

      expect(code).toBe(3);
      const errors = errorLines(stderr);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^Error: Scan failed: InternalServerError.*kept failing after 8 attempts/);
      const doc = JSON.parse(stdout);
      expect(Object.keys(doc)).toEqual(['error']);
      expect(doc.error.code).toBe('AWS_CALL_FAILED');
      expect(stdout).not.toMatch(/identical|matched/);
      expect(existsSync(join(dir, 'r.summary.json'))).toBe(false); // nothing `verify merge` could take for a result
      expect(proxy.stats().byOperation.DescribeTable?.forwarded).toBe(2);
    } finally {
      await proxy.close();
    }
  });

  it('exits 3 naming the cause when the target table is deleted while verify scans', async () => {
    const s = await identicalTables();
    // Scans wait 2.5 s in the proxy before reaching moto; the table is deleted meanwhile.
    const proxy = await startFaultProxy({
      target: motoEndpoint(),
      rules: [{ service: 'dynamodb', operation: ['Scan', 'BatchGetItem'], latencyMs: 2_500 }],
    });
    try {
      const running = cli([...s.base(proxy.endpoint)], s.env);
      while ((proxy.stats().byOperation.Scan?.requests ?? 0) === 0) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await s.targetClient.send(new DeleteTableCommand({ TableName: s.target.name }));
      const { code, stdout, stderr } = await running;

      expect(code).toBe(3);
      const errors = errorLines(stderr);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(
        /Scan failed: ResourceNotFoundException.*deleted or renamed while verify ran/,
      );
      expect(stdout).toBe(''); // text mode: no summary pretending the tables were compared
    } finally {
      await proxy.close();
    }
  });
});
