import { DeleteTableCommand, ListExportsCommand, waitUntilTableNotExists } from '@aws-sdk/client-dynamodb';
import { compareTables, formatTableDiff } from '@ddb-migrate/test-kit';
import { describe, expect, it } from 'vitest';
import { cli, createFixture } from './migrate-fixtures.js';

/** The `{"error": {code, message}}` document `--output json` prints on failure. */
function errorOf(stdout: string): { code: string; message: string } {
  return (JSON.parse(stdout) as { error: { code: string; message: string } }).error;
}

describe('import completeness (moto, two accounts)', () => {
  it('stops with IMPORT_INCOMPLETE when the import holds fewer items than the export, and a write-mode re-run replaces it', async () => {
    // moto's ImportTable parser silently drops or fails lines of varied items (empty maps,
    // escaped quotes, unicode); AWS would count such items in ErrorCount. Either way: not success.
    const fx = await createFixture({ items: 300 });
    const run = await cli(
      [...fx.args, 'migrate', '--load-mode', 'import', '--cdc-mode', 'none', '--yes', '--output', 'json'],
      fx.env,
    );
    expect(run.code, run.stderr).toBe(3);
    const error = errorOf(run.stdout);
    expect(error.code).toBe('IMPORT_INCOMPLETE');
    expect(error.message).toMatch(/of the 300 in the export/);
    expect(error.message).toContain('/aws-dynamodb/imports');
    expect(error.message).toContain('--load-mode write');
    const state = fx.readState();
    expect(state?.completedAt).toBeUndefined();
    expect(state?.load?.status).toBe('started');
    expect(state?.load?.failure?.code).toBe('IMPORT_INCOMPLETE');
    expect(state?.load?.importCounts).toMatchObject({
      expectedItems: 300,
      expectedSource: 'export',
      complete: false,
    });
    expect(state?.load?.importCounts?.importedItems ?? 0).toBeLessThan(300);

    // Re-running in import mode does not pretend either; write mode needs the partial table gone.
    const again = await cli(
      [...fx.args, 'migrate', '--cdc-mode', 'none', '--yes', '--output', 'json'],
      fx.env,
    );
    expect(again.code, again.stderr).toBe(2);
    expect(errorOf(again.stdout).code).toBe('IMPORT_INCOMPLETE');
    const present = await cli(
      [...fx.args, 'migrate', '--load-mode', 'write', '--cdc-mode', 'none', '--yes', '--output', 'json'],
      fx.env,
    );
    expect(present.code, present.stderr).toBe(2);
    expect(errorOf(present.stdout).code).toBe('TARGET_HOLDS_PARTIAL_IMPORT');

    await fx.tgt.send(new DeleteTableCommand({ TableName: fx.targetTable }));
    await waitUntilTableNotExists({ client: fx.tgt, maxWaitTime: 30 }, { TableName: fx.targetTable });
    const replaced = await cli(
      [...fx.args, 'migrate', '--load-mode', 'write', '--cdc-mode', 'none', '--yes'],
      fx.env,
    );
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toMatch(/replaced\s+import .*IMPORT_INCOMPLETE/);
    const final = fx.readState();
    expect(final?.loadMode).toBe('write');
    expect(final?.load?.itemsLoaded).toBe(300);
    expect(final?.abandonedLoads?.[0]?.load.importArn).toBe(state?.load?.importArn);
    expect(final?.export?.exportArn).toBe(state?.export?.exportArn);
    const tableArn = `arn:aws:dynamodb:${fx.sides.source.region}:${fx.sides.sourceAccount}:table/${fx.table}`;
    const exports = await fx.src.send(new ListExportsCommand({ TableArn: tableArn }));
    expect(exports.ExportSummaries ?? []).toHaveLength(1);
    const diff = await compareTables(fx.src, fx.table, fx.tgt, fx.targetTable);
    expect(
      diff.missingInTarget.length + diff.extraInTarget.length + diff.different.length,
      formatTableDiff(diff),
    ).toBe(0);
  });

  it('reports an import of plain items as complete, with both counts in the state and the summary', async () => {
    const fx = await createFixture({ items: 200, motoImportSafe: true });
    const run = await cli(
      [...fx.args, 'migrate', '--load-mode', 'import', '--cdc-mode', 'none', '--yes'],
      fx.env,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('imported 200 items of the 200 in the export (ErrorCount 0)');
    expect(fx.readState()?.load).toMatchObject({
      status: 'done',
      itemsLoaded: 200,
      importCounts: { expectedItems: 200, importedItems: 200, errorCount: 0, complete: true },
    });
  });
});
