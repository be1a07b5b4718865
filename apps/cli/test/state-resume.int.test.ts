import { ListExportsCommand } from '@aws-sdk/client-dynamodb';
import type { MigrationState } from '@ddb-migrate/migration';
import { compareTables } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { cli, createFixture, startWriter } from './migrate-fixtures.js';
import { migrateInProcess } from './support/migrate-in-process.js';

/** Runs migrate in-process and aborts it (a crash: nothing is cleaned up) once `when(state)` holds. */
async function crashWhen(
  fx: Awaited<ReturnType<typeof createFixture>>,
  when: (s: MigrationState) => boolean,
  extra: string[] = [],
) {
  const controller = new AbortController();
  const run = migrateInProcess([...fx.args, '--cdc-mode', 'local', ...extra], fx.env, {
    signal: controller.signal,
    onStateSaved: (s) => {
      if (when(s)) controller.abort(new Error('simulated crash'));
    },
  });
  await expect(run).rejects.toThrow();
}

describe('migrate resumes after a crash at any step', () => {
  it('crashes after the export started, after the load started and during CDC; the re-run finishes identical with one export', async () => {
    const fx = await createFixture({
      items: 400,
      sortKey: true,
      table: { lsis: [{ name: 'by-s', sortKey: { name: 's', type: 'S' } }] },
    });
    const writer = startWriter(fx.src, fx.table, fx.items, { sortKey: true });
    await crashWhen(fx, (s) => s.export?.exportArn !== undefined && s.export.status === 'started');
    const exportArn = fx.readState()?.export?.exportArn;
    expect(exportArn).toBeTruthy();
    await crashWhen(fx, (s) => s.load?.tableCreated === true);
    expect(fx.readState()?.export?.exportArn).toBe(exportArn);
    await crashWhen(fx, (s) => s.cdc?.status === 'started');
    await new Promise((r) => setTimeout(r, 1000));
    await writer.stop();
    const result = await cli(
      [...fx.args, 'migrate', '--cdc-mode', 'local', '--stop-after-idle', '3', '--yes'],
      fx.env,
    );
    expect(result.stderr.slice(-600) + String(result.code)).toMatch(/0$/);
    const state = fx.readState();
    expect(state?.export?.exportArn).toBe(exportArn);
    expect(state?.completedAt).toBeTruthy();
    const tableArn = `arn:aws:dynamodb:${fx.sides.source.region}:${fx.sides.sourceAccount}:table/${fx.table}`;
    const exports = await fx.src.send(new ListExportsCommand({ TableArn: tableArn }));
    expect(exports.ExportSummaries ?? []).toHaveLength(1);
    const diff = await compareTables(fx.src, fx.table, fx.tgt, fx.targetTable);
    expect(diff.missingInTarget.length + diff.extraInTarget.length + diff.different.length).toBe(0);

    const status = await cli(['status', '--state-dir', fx.stateDir], fx.env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/status\s+completed/);
    expect(status.stdout).toContain(exportArn ?? 'none');
  });
});
