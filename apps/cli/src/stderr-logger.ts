import type { LogFields, Logger } from '@ddb-migrate/core';

/** A Logger that writes `level message key=value ...` lines to stderr; debug only when verbose. */
export function createStderrLogger(stderr: NodeJS.WritableStream, verbose: boolean): Logger {
  const write = (level: string, message: string, fields?: LogFields) => {
    const tail = fields
      ? Object.entries(fields)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ')
      : '';
    stderr.write(`${level} ${message}${tail ? ` ${tail}` : ''}\n`);
  };
  return {
    debug: (m, f) => {
      if (verbose) write('debug', m, f);
    },
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
