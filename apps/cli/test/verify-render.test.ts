import { recheckDelaysMs } from '@ddb-migrate/consistency-checker';
import { describe, expect, it } from 'vitest';
import yargs, { type Argv } from 'yargs';
import { verifyCommand } from '../src/commands/verify/command.js';
import type { VerifyCliOptions } from '../src/commands/verify/run.js';
import { createCliContext } from '../src/context.js';
import { renderSummary } from '../src/commands/verify/render.js';
import type { VerifyResultData } from '../src/commands/verify/run.js';

function summary(overrides: Partial<VerifyResultData> = {}): VerifyResultData {
  return {
    sourceTable: 's',
    targetTable: 't',
    totalSegments: 4,
    segments: [0, 1, 2, 3],
    complete: true,
    startedAt: '2026-01-01T00:00:00.000Z',
    sourceScanned: 10,
    targetScanned: 10,
    matched: 10,
    missingInTarget: 0,
    extraInTarget: 0,
    different: 0,
    rechecked: 0,
    resolvedByRecheck: 0,
    pointReads: 0,
    spilled: 0,
    repaired: 0,
    repairFailed: 0,
    throttles: 0,
    retries: 0,
    unprocessedKeys: 0,
    consumedRcu: { source: 1, target: 1 },
    durationMs: 1000,
    differences: 0,
    remaining: 0,
    identical: true,
    ...overrides,
  };
}

describe('verify summary', () => {
  it('states the window it proves: writes after the scan started are left to CDC and a later verify, items created during the scan may be missed', () => {
    const text = renderSummary(summary());

    expect(text).toMatch(/scan started 2026-01-01T00:00:00.000Z/);
    expect(text).toMatch(/written after the scan started.*CDC.*later verify/s);
    expect(text).toMatch(/created in the source during the scan may be missed/);
  });
});

describe('verify flags', () => {
  const parse = (args: string[]) =>
    (verifyCommand(createCliContext()).builder as (y: Argv) => Argv)(
      yargs(['--source-region', 'us-east-1', '--source-table-name', 's', ...args]),
    ).parseSync() as unknown as VerifyCliOptions;

  it('re-checks suspects over about a minute by default (5 attempts from 2 s, doubling) and keeps --recheck-delay', () => {
    const defaults = parse([]);
    const delays = recheckDelaysMs(Number(defaults.recheckDelay) * 1000, Number(defaults.recheckAttempts));

    expect(defaults).toMatchObject({ recheckDelay: 2, recheckAttempts: 5 });
    expect(delays.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(30_000);
    expect(parse(['--recheck-delay', '7']).recheckDelay).toBe(7);
  });
});
