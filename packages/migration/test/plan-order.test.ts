import { describe, expect, it } from 'vitest';
import { orderedActions, type PlannedAction } from '../src/preflight/preflight-types.js';

describe('orderedActions', () => {
  it('lists actions in the order migrate runs its steps, keeping the order within a step', () => {
    const pushedByChecks: PlannedAction[] = [
      { step: 'cdc', text: 'map the stream' },
      { step: 'load', text: 'create the table' },
      { step: 'settings', text: 'carry settings' },
      { step: 'export', text: 'export at T' },
      { step: 'pitr', text: 'enable PITR' },
      { step: 'load', text: 'write the export' },
      { step: 'stream', text: 'enable the stream' },
    ];
    expect(orderedActions(pushedByChecks)).toEqual([
      'enable PITR',
      'enable the stream',
      'export at T',
      'create the table',
      'write the export',
      'carry settings',
      'map the stream',
    ]);
  });
});
