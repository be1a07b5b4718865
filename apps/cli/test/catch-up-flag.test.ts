import type { PlanStep } from '@ddb-migrate/migration';
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { withMigrateFlags } from '../src/commands/migrate/flags.js';
import { migrateCommand } from '../src/commands/migrate/next-step.js';
import { toMigrateOptions } from '../src/commands/migrate/options.js';
import { toMigrationInput } from '../src/commands/migrate/migration-input.js';
import { describeStep } from '../src/commands/plan/render.js';

const base = {
  sourceRegion: 'us-east-1',
  sourceTableName: 'src',
  targetRegion: 'us-east-1',
  targetTableName: 'dst',
  targetAccountId: '222222222222',
};

describe('--catch-up incremental|refuse', () => {
  it('defaults to incremental and reaches the engine; refuse is kept in the resume command', async () => {
    const argv = await withMigrateFlags(
      yargs(['--source-table-name', 'src', '--target-table-name', 'dst']).exitProcess(false),
    ).parse();
    expect(argv.catchUp).toBe('incremental');
    const options = toMigrateOptions(base as never);
    expect(options.catchUp).toBe('incremental');
    const refuse = toMigrateOptions({ ...base, catchUp: 'refuse' } as never);
    const sides = {
      source: { region: 'us-east-1' },
      target: { region: 'us-east-1' },
      targetAccess: { kind: 'same-credentials' },
    };
    expect(toMigrationInput(refuse, sides as never).options?.catchUp).toBe('refuse');
    expect(migrateCommand(refuse)).toContain('--catch-up refuse');
    expect(migrateCommand(options)).not.toContain('--catch-up');
  });

  it('refuses another value in one line naming the choices', () => {
    expect(() => toMigrateOptions({ ...base, catchUp: 'stream' } as never)).toThrow(
      /--catch-up must be one of incremental, refuse \(got stream\)/,
    );
  });
});

describe('the plan words the catch-up', () => {
  const estimate = { windows: 3, hours: 60.2, usdPerGbChanged: 0.1, minimumUsd: 0.01, maximumUsd: 2.06 };
  const step = (more: Partial<Extract<PlanStep, { step: 'catch-up' }>>): PlanStep => ({
    step: 'catch-up',
    status: 'todo',
    mode: 'incremental',
    basis: 'estimate',
    windows: 3,
    windowsApplied: 0,
    estimate,
    ...more,
  });

  it('names the windows, why, and where CDC then starts; resumed and done ones say how far', () => {
    expect(describeStep(step({}), { cdcMode: 'lambda' })).toBe(
      "Bridge the stream's 24 h with 3 incremental exports (if export and load take as long as estimated), applied in order before CDC starts at T2 - margin",
    );
    expect(
      describeStep(step({ status: 'resume', basis: 'recorded', windowsApplied: 1 }), { cdcMode: 'lambda' }),
    ).toMatch(/^Go on with the incremental-export catch-up: 1\/3 windows applied, 3 more to request/);
    expect(describeStep(step({ status: 'done' }), { cdcMode: 'local' })).toMatch(
      /^Caught up with 3 incremental exports/,
    );
    expect(describeStep(step({ status: 'skip', mode: 'refuse' }), { cdcMode: 'lambda' })).toMatch(
      /--catch-up refuse/,
    );
  });
});
