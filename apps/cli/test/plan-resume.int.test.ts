import type { MigrationState } from '@ddb-migrate/migration';
import { describe, expect, it } from 'vitest';
import { cli, createFixture, type MigrationFixture } from './migrate-fixtures.js';
import { migrateInProcess } from './support/migrate-in-process.js';

/** The plan document as `plan --output json` prints it (the fields these tests read). */
interface PlanJson {
  actions?: unknown;
  source: { keys: unknown; stream?: unknown; keySchema?: unknown };
  target: { access: unknown; exists: boolean };
  steps: ({ step: string; status: string } & Record<string, unknown>)[];
  findings: { level: string; code: string; message: string; fix?: string }[];
  resume?: { runId: string; lastStep: string; stateFile: string };
}

async function planJson(fx: MigrationFixture, extra: string[]): Promise<PlanJson> {
  const run = await cli(['plan', ...fx.args, ...extra, '--output', 'json'], fx.env);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as PlanJson;
}

const statuses = (doc: PlanJson) => Object.fromEntries(doc.steps.map((s) => [s.step, s.status]));

describe('plan of a recorded migration starts from its state file', () => {
  it('after a crash past the export: the export is done, the load and the rest remain; once finished nothing is left', async () => {
    const fx = await createFixture({ items: 150, motoImportSafe: true });
    const controller = new AbortController();
    await expect(
      migrateInProcess([...fx.args, '--cdc-mode', 'none'], fx.env, {
        signal: controller.signal,
        onStateSaved: (s: MigrationState) => {
          if (s.export?.status === 'done') controller.abort(new Error('simulated crash'));
        },
      }),
    ).rejects.toThrow();
    const exp = fx.readState()?.export;
    const runId = fx.readState()?.runId ?? '';

    const mid = await cli(['plan', ...fx.args, '--cdc-mode', 'none'], fx.env);
    expect(mid.code, mid.stderr).toBe(0);
    expect(mid.stdout).toContain(`Done (recorded by run ${runId}):`);
    expect(mid.stdout).toContain(`Exported ${exp?.exportArn} (cut-off ${exp?.exportTime})`);
    expect(mid.stdout).not.toMatch(/Export source at time T/);
    expect(mid.stdout).toMatch(
      /Will do:\n {2}1\. Create target table \S+ with ImportTable from the export\n/,
    );
    expect(mid.stdout).toMatch(/Resume\s+run \S+, last finished step: export/);
    const midDoc = await planJson(fx, ['--cdc-mode', 'none']);
    expect(statuses(midDoc)).toEqual({
      pitr: 'skip',
      stream: 'done',
      export: 'done',
      load: 'todo',
      settings: 'todo',
      cdc: 'skip',
    });
    expect(midDoc.steps.find((s) => s.step === 'export')).toMatchObject({
      exportArn: exp?.exportArn,
      prefix: exp?.prefix,
    });

    const finish = await cli(['migrate', ...fx.args, '--cdc-mode', 'none', '--yes'], fx.env);
    expect(finish.code, finish.stderr).toBe(0);
    const done = await cli(['plan', ...fx.args, '--cdc-mode', 'none'], fx.env);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).not.toMatch(/absent \(will be created\)|Export source at time T|Create target table/);
    expect(done.stdout).toMatch(new RegExp(`table\\s+exists, loaded by run ${runId}`));
    expect(done.stdout).toMatch(/Loaded 150 items into target table \S+ \(import arn:/);
    expect(done.stdout).toContain('Nothing left to do.');
    const doneDoc = await planJson(fx, ['--cdc-mode', 'none']);
    expect(statuses(doneDoc)).toEqual({
      pitr: 'skip',
      stream: 'done',
      export: 'done',
      load: 'done',
      settings: 'done',
      cdc: 'skip',
    });
    expect(doneDoc.target.exists).toBe(true);
    expect(doneDoc.resume).toMatchObject({ runId, lastStep: 'completed' });
    expect(doneDoc.resume?.stateFile).toMatch(/\.json$/);
  });

  it('prints the plan as data in JSON: steps, keys, access and findings are fields, not sentences', async () => {
    const fx = await createFixture({ items: 20, sortKey: true, pitr: false });
    const doc = await planJson(fx, ['--cdc-mode', 'local', '--enable-pitr']);
    expect(doc.actions).toBeUndefined();
    expect(doc.source.keySchema).toBeUndefined();
    expect(doc.source.keys).toEqual([
      { name: 'pk', type: 'S', role: 'partition' },
      { name: 'sk', type: 'N', role: 'sort' },
    ]);
    expect(doc.source.stream).toBeUndefined();
    expect(doc.target.access).toEqual({
      kind: 'assume-role',
      roleArn: `arn:aws:iam::${fx.sides.targetAccount}:role/cross_account_assume_role`,
    });
    expect(doc.steps).toEqual([
      { step: 'pitr', status: 'todo', table: fx.table },
      {
        step: 'stream',
        status: 'todo',
        table: fx.table,
        viewType: 'NEW_AND_OLD_IMAGES',
        enabledByMigrate: true,
      },
      {
        step: 'export',
        status: 'todo',
        bucket: fx.bucket,
        bucketOwner: fx.sides.targetAccount,
        prefixRoot: `ddb-migrate/${fx.table}`,
        streamSettleSeconds: 0,
      },
      {
        step: 'load',
        status: 'todo',
        mode: 'import',
        table: fx.targetTable,
        createsTable: true,
        replacesImport: false,
      },
      { step: 'settings', status: 'todo', table: fx.targetTable },
      { step: 'cdc', status: 'todo', mode: 'local' },
    ]);
    for (const f of doc.findings) {
      expect(f).toEqual(
        expect.objectContaining({
          level: expect.stringMatching(/^(warning|info)$/),
          code: expect.stringMatching(/^[A-Z_]+$/),
          message: expect.any(String),
        }),
      );
    }
    expect(doc.findings.map((f) => f.code)).toContain('PITR_WILL_ENABLE');
  });
});
