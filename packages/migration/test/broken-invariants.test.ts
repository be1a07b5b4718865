import { InternalError } from '@ddb-migrate/core';
import { describe, expect, it } from 'vitest';
import { locateRecordedExport } from '../src/steps/recorded-export.js';
import { assertRecordedStream } from '../src/steps/recorded-stream.js';
import type { StepContext } from '../src/step-context.js';

describe('a step that runs before the state it needs is recorded is a bug, not a user error', () => {
  it('the load without a recorded export ARN: InternalError (exit 3, asks for a bug report), not STATE_ORDER', () => {
    const ctx = {} as StepContext;
    let error: unknown;
    try {
      locateRecordedExport(ctx, { status: 'done', bucket: 'b', prefix: 'p', bucketOwner: '1' } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InternalError);
    expect(error).toMatchObject({ code: 'INTERNAL', hint: expect.stringMatching(/bug in ddb-migrate/) });
  });

  it('the stream check without a recorded stream', async () => {
    const ctx = { state: {} } as unknown as StepContext;
    await expect(assertRecordedStream(ctx, 'Before CDC')).rejects.toBeInstanceOf(InternalError);
  });
});
