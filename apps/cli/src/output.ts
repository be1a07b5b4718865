import type { OutputFormat } from './options.js';

/** What a command's run function returns to the entry: the document to print and the exit code. */
export interface CommandResult<T = unknown> {
  /** The JSON document (`--output json`) and the source of the text rendering. */
  data: T;
  /** Human rendering for `--output text`. */
  text: string;
  /** Exit code; 0 unless the command says otherwise (verify: 1 on differences). */
  exitCode?: number;
}

/** Prints a result: exactly one JSON document on stdout for json, the text otherwise. */
export function printResult(result: CommandResult, format: OutputFormat, out: NodeJS.WritableStream): void {
  if (format === 'json') out.write(`${JSON.stringify(result.data, jsonReplacer, 2)}\n`);
  else if (result.text) out.write(result.text.endsWith('\n') ? result.text : `${result.text}\n`);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.toISOString();
  return value;
}
