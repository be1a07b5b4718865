import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTagsOfResourceCommand,
} from '@aws-sdk/client-dynamodb';
import { compareTables, formatTableDiff } from '@ddb-migrate/test-kit';

import { describe, expect, it } from 'vitest';
import { cli, createFixture, startWriter, waitForState } from './migrate-fixtures.js';

describe('migrate end to end (moto, two accounts, local CDC, a writer changing the source throughout)', () => {
  it('imports a table with GSIs, TTL and tags and converges to the source after the drain', async () => {
    const fx = await createFixture({
      items: 800,
      motoImportSafe: true,
      ttlAttribute: 'expiresAt',
      table: {
        gsis: [{ name: 'by-s', partitionKey: { name: 's', type: 'S' } }],
        tags: [{ Key: 'team', Value: 'payments' }],
      },
    });
    const writer = startWriter(fx.src, fx.table, fx.items);
    const run = cli(
      [...fx.args, 'migrate', '--cdc-mode', 'local', '--stop-after-idle', '3', '--yes'],
      fx.env,
    );
    await waitForState(fx, (s) => s.cdc?.status === 'started', run);
    await new Promise((r) => setTimeout(r, 1500));
    const stats = await writer.stop();
    const result = await run;
    expect(result.stderr).not.toMatch(/^Error/m);
    expect(result.code).toBe(0);
    const state = fx.readState();
    expect(state?.loadMode).toBe('import');
    expect(state?.load?.importArn).toBeTruthy();
    expect(stats.deletes + stats.updates + stats.inserts).toBeGreaterThan(20);

    const diff = await compareTables(fx.src, fx.table, fx.tgt, fx.targetTable);
    expect(formatTableDiff(diff)).toBe(
      formatTableDiff({ ...diff, missingInTarget: [], extraInTarget: [], different: [] }),
    );
    expect(
      diff.missingInTarget.length + diff.extraInTarget.length + diff.different.length,
      formatTableDiff(diff),
    ).toBe(0);

    const target = (await fx.tgt.send(new DescribeTableCommand({ TableName: fx.targetTable }))).Table;
    expect(target?.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(['by-s']);
    const ttl = await fx.tgt.send(new DescribeTimeToLiveCommand({ TableName: fx.targetTable }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe('expiresAt');
    const tags = await fx.tgt.send(new ListTagsOfResourceCommand({ ResourceArn: target?.TableArn }));
    expect(tags.Tags).toContainEqual({ Key: 'team', Value: 'payments' });
  });

  it('writes a table with an LSI (auto -> write mode) and converges to the source after the drain', async () => {
    const fx = await createFixture({
      items: 600,
      sortKey: true,
      table: { lsis: [{ name: 'by-s', sortKey: { name: 's', type: 'S' } }] },
    });
    const writer = startWriter(fx.src, fx.table, fx.items, { sortKey: true });
    const run = cli(
      [...fx.args, 'migrate', '--cdc-mode', 'local', '--stop-after-idle', '3', '--yes', '--output', 'json'],
      fx.env,
    );
    await waitForState(fx, (s) => s.cdc?.status === 'started', run);
    await new Promise((r) => setTimeout(r, 1500));
    await writer.stop();
    const result = await run;
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as {
      state: { loadMode: string; load: { loadedFiles: unknown[] } };
    };
    expect(doc.state.loadMode).toBe('write');
    expect(doc.state.load.loadedFiles.length).toBeGreaterThan(0);

    const diff = await compareTables(fx.src, fx.table, fx.tgt, fx.targetTable);
    expect(
      diff.missingInTarget.length + diff.extraInTarget.length + diff.different.length,
      formatTableDiff(diff),
    ).toBe(0);
    const target = (await fx.tgt.send(new DescribeTableCommand({ TableName: fx.targetTable }))).Table;
    expect(target?.LocalSecondaryIndexes?.map((l) => l.IndexName)).toEqual(['by-s']);
  });
});
