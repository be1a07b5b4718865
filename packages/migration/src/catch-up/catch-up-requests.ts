import type { StepContext } from '../step-context.js';
import { abortableSleep } from '../step-context.js';
import { closedWindows } from './catch-up-decision.js';
import { catchUpApplies } from './catch-up-step.js';
import { recordWindow, requestWindowExport } from './window-export.js';

/** How often the load's companion looks for a closed window (they close once a day). */
const CHECK_EVERY_MS = 60_000;

/**
 * Runs `load` (the import or write-mode load) while, beside it, every 24 h catch-up window that
 * has closed is recorded and its incremental export requested, so a load of days does not leave
 * the whole catch-up for afterwards; the windows are applied after the load (the load writes
 * older images). Saves are serialised meanwhile, so two savers never overwrite each other's state
 * with an older snapshot. An error of the load wins; else one of the requester is thrown (its
 * windows are on record: the catch-up after the load goes on from them).
 */
export async function withCatchUpRequests<T>(
  ctx: StepContext,
  now: () => number,
  load: () => Promise<T>,
): Promise<T> {
  const { options, state } = ctx;
  if (options.cdcMode === 'none' || options.catchUp !== 'incremental' || !catchUpApplies(state))
    return load();
  const save = ctx.save;
  let chain: Promise<void> = Promise.resolve();
  ctx.save = () => {
    const next = chain.then(save, save);
    chain = next.catch(() => undefined);
    return next;
  };
  const stop = new AbortController();
  let failure: { error: unknown } | undefined;
  const requester = (async () => {
    while (!stop.signal.aborted) {
      await requestClosedWindows(ctx, now);
      await abortableSleep(CHECK_EVERY_MS, stop.signal).catch(() => undefined);
    }
  })().catch((error: unknown) => {
    failure = { error };
  });
  try {
    const result = await load();
    stop.abort();
    await requester;
    if (failure) throw failure.error;
    return result;
  } finally {
    stop.abort();
    await requester;
    await chain;
    ctx.save = save;
  }
}

/** Records and requests the full-length windows that have closed since the last one (or T - margin). */
async function requestClosedWindows(ctx: StepContext, now: () => number): Promise<void> {
  const exportTime = ctx.state.export?.exportTime;
  if (!exportTime || ctx.state.catchUp?.status === 'done') return;
  const marginMs = ctx.options.exportTimeMarginSeconds * 1000;
  const last = ctx.state.catchUp?.windows.at(-1);
  const from = Date.parse(last ? last.to : exportTime) - marginMs;
  const spans = closedWindows(from, now(), marginMs);
  if (spans.length > 0)
    ctx.state.catchUp ??= { status: 'started', startedAt: new Date(now()).toISOString(), windows: [] };
  for (const span of spans) await recordWindow(ctx, span);
  // Windows recorded but not sent yet (just now, or by a run that stopped) are sent.
  for (const window of ctx.state.catchUp?.windows ?? []) {
    if (window.status === 'requested' && !window.exportArn) await requestWindowExport(ctx, window);
  }
}
