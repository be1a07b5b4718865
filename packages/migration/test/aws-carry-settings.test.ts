import { describe, expect, it } from 'vitest';
import { carrySettingsStep } from '../src/steps/carry-settings.js';
import { awsError, fakeClient } from '@ddb-migrate/test-kit/fakes';
import { fakeStepContext } from './support/fake-step-context.js';

describe('settings carry-over on AWS semantics', () => {
  it('retries PITR on a freshly imported table while AWS answers ContinuousBackupsUnavailableException', async () => {
    const ddb = fakeClient({
      UpdateContinuousBackupsCommand: [
        awsError('ContinuousBackupsUnavailableException', 400, 'Backups are being enabled for the table'),
        {},
      ],
      DescribeTableCommand: [
        { Table: { TableStatus: 'ACTIVE', TableArn: 'arn:aws:dynamodb:us-east-1:222222222222:table/dst' } },
      ],
    });
    const facts = {
      source: {
        table: {
          TableName: 'src',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
        },
        continuousBackups: {
          ContinuousBackupsStatus: 'ENABLED',
          PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: 'ENABLED' },
        },
        tags: [],
      },
    } as never;
    const { ctx, sleeps } = fakeStepContext({
      clients: { targetDdb: ddb },
      facts,
      state: { loadMode: 'import' },
    });
    await carrySettingsStep(ctx);
    expect(ctx.state.settings?.failed).toEqual([]);
    expect(ctx.state.settings?.applied.some((d) => /point-in-time/i.test(d))).toBe(true);
    expect(sleeps.length).toBeGreaterThan(0);
  });
});
