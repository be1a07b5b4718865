import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { readMergedReport, type WorkStore } from '@ddb-migrate/consistency-checker/worker';
import { localPathError } from '@ddb-migrate/core';
import type { ListedDifference } from './run.js';

/** Where a fanned-out verify's merged NDJSON goes: the --report file (optional) and the JSON output's list. */
export interface ReportSink {
  /** Copies the parts (in order) to the report file and lists the first `maxListed` differences. */
  collect(store: WorkStore, reportParts: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens (truncates) the --report file at once, so a bad path is bad input before any scan. The
 * parts hold the same lines a local verify writes (`differenceToJson`), so they are copied as is.
 */
export function openReportSink(
  path: string | undefined,
  listed: ListedDifference[],
  maxListed: number,
): ReportSink {
  let stream: WriteStream | undefined;
  if (path !== undefined) {
    try {
      stream = createWriteStream(path, { fd: openSync(path, 'w') });
    } catch (error) {
      throw localPathError(error, { path, label: 'Report file', flag: '--report' }) ?? error;
    }
  }
  return {
    async collect(store, reportParts) {
      for await (const text of readMergedReport(store, reportParts)) {
        if (stream && !stream.write(text)) await once(stream, 'drain');
        if (listed.length >= maxListed) continue;
        for (const line of text.split('\n')) {
          if (line === '' || listed.length >= maxListed) continue;
          listed.push(JSON.parse(line) as ListedDifference);
        }
      }
    },
    async close() {
      if (stream)
        await new Promise<void>((resolve, reject) =>
          stream!.end((e?: Error | null) => (e ? reject(e) : resolve())),
        );
    },
  };
}
