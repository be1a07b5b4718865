import { forEachTable, PlanFileError, parseAppPlan } from '@ddb-migrate/migration';
import { describe, expect, it } from 'vitest';

const GOOD = `version: 1
source:
  region: eu-west-1
  accountId: "111111111111"
target:
  accountId: "222222222222"
defaults:
  cdcMode: local
tables:
  - name: orders
    loadMode: write
  - name: customers
    targetName: customers-v2
`;

describe('parseAppPlan', () => {
  it('reads a YAML plan file (and JSON, a subset) into typed data', () => {
    const plan = parseAppPlan(GOOD, 'app.yaml');
    expect(plan.source).toEqual({ region: 'eu-west-1', accountId: '111111111111' });
    expect(plan.tables?.map((t) => t.name)).toEqual(['orders', 'customers']);
    expect(parseAppPlan(JSON.stringify(plan), 'app.json')).toEqual(plan);
  });

  it('reports every problem at once, each with its line', () => {
    const bad = `version: 1
source:
  region: eu-west-1
  accountId: 111111111111
target:
  accountId: "222222222222"
tables:
  - name: orders
    loadMode: fast
  - name: x
    colour: blue
`;
    const error = (() => {
      try {
        parseAppPlan(bad, 'app.yaml');
      } catch (e) {
        return e;
      }
    })() as PlanFileError;
    expect(error).toBeInstanceOf(PlanFileError);
    const byPath = Object.fromEntries(error.problems.map((p) => [p.path, p.line]));
    expect(byPath).toEqual({
      'source.accountId': 4, // a number, not the quoted 12 digits
      'tables[0].loadMode': 9,
      'tables[1].name': 10,
      'tables[1].colour': 11,
    });
    expect(error.message).toMatch(/^Plan file app\.yaml has 4 problems: app\.yaml:4 source\.accountId: /);
  });

  it('reports YAML syntax errors and an empty table list with a line', () => {
    expect(() => parseAppPlan('version: 1\nsource: [\n', 'a.yaml')).toThrow(/a\.yaml:\d+/);
    expect(() => parseAppPlan('version: 1\nsource:\n  region: eu-west-1\ntarget: {}\n', 'a.yaml')).toThrow(
      /tables: name at least one table/,
    );
  });
});

describe('forEachTable', () => {
  it('runs at most `concurrency` at once; a failure is an outcome, the others still run', async () => {
    let running = 0;
    let peak = 0;
    const outcomes = await forEachTable(['a', 'b', 'c', 'd'], 2, async (table) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 20));
      running -= 1;
      if (table === 'b') throw new Error('b broke');
      return table.toUpperCase();
    });
    expect(peak).toBe(2);
    expect(outcomes.map((o) => (o.ok ? o.value : (o.error as Error).message))).toEqual([
      'A',
      'b broke',
      'C',
      'D',
    ]);
  });
});
