import type { ImportSummary } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import type { PreflightContext } from '../src/preflight/preflight-types.js';
import { checkImportQuota, MAX_CONCURRENT_IMPORTS } from '../src/preflight/quota-checks.js';

/** A preflight context whose target client answers ListImports with `summaries`, 25 a page. */
function contextWith(summaries: ImportSummary[] | Error, loadMode: 'import' | 'write' = 'import') {
  const calls: unknown[] = [];
  const targetDdb = {
    send: async (command: { input: { NextToken?: string } }) => {
      calls.push(command.input);
      if (summaries instanceof Error) throw summaries;
      const start = Number(command.input.NextToken ?? 0);
      const page = summaries.slice(start, start + 25);
      return {
        ImportSummaryList: page,
        ...(start + 25 < summaries.length ? { NextToken: String(start + 25) } : {}),
      };
    },
  };
  const ctx = { clients: { targetDdb }, facts: { loadMode } } as unknown as PreflightContext;
  return { ctx, calls };
}

const imports = (n: number, status: ImportSummary['ImportStatus']): ImportSummary[] =>
  Array.from({ length: n }, (_, i) => ({ ImportArn: `arn:import/${status}-${i}`, ImportStatus: status }));

describe('checkImportQuota', () => {
  it('refuses import mode when the target account already runs 50 imports, counting across pages', async () => {
    const { ctx, calls } = contextWith([
      ...imports(30, 'COMPLETED'),
      ...imports(MAX_CONCURRENT_IMPORTS, 'IN_PROGRESS'),
    ]);
    const findings = await checkImportQuota(ctx);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ level: 'error', code: 'IMPORT_QUOTA_REACHED' });
    expect(calls.length).toBeGreaterThan(1);
  });

  it('lets import mode through below the quota', async () => {
    const { ctx } = contextWith([...imports(49, 'IN_PROGRESS'), ...imports(80, 'FAILED')]);
    expect(await checkImportQuota(ctx)).toEqual([]);
  });

  it('warns instead of refusing when ListImports cannot be called', async () => {
    const { ctx } = contextWith(
      new Error('AccessDeniedException: not authorized to perform dynamodb:ListImports'),
    );
    const findings = await checkImportQuota(ctx);
    expect(findings).toEqual([expect.objectContaining({ level: 'warning', code: 'IMPORT_QUOTA_UNKNOWN' })]);
  });

  it('asks nothing in write mode', async () => {
    const { ctx, calls } = contextWith(imports(60, 'IN_PROGRESS'), 'write');
    expect(await checkImportQuota(ctx)).toEqual([]);
    expect(calls).toHaveLength(0);
  });
});
