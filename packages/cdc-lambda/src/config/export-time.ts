import { ConfigError } from '@ddb-migrate/core';

/** Epoch values above this are read as milliseconds (1e11 s is the year 5138). */
const EPOCH_MS_THRESHOLD = 1e11;

/** The seed's `'%Y-%m-%d %H:%M:%S%z'` form (offset optional, `Z`, `+0000` or `+00:00`). */
const SEED_FORM = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses an export time as the seed, ISO-8601 or epoch writes it and returns epoch seconds
 * (possibly fractional).
 *
 * Accepted: `2024-05-01 12:34:56+0000` (the seed's `%Y-%m-%d %H:%M:%S%z`), ISO-8601
 * (`2024-05-01T12:34:56.789Z`, `+02:00` offsets), epoch seconds (`1714566896`, `1714566896.5`)
 * and epoch milliseconds (recognised by magnitude). A date-time without an offset is UTC.
 *
 * @throws ConfigError naming `name` when the text is none of these.
 * @example parseExportTime('2024-05-01 12:34:56+0000') // 1714566896
 */
export function parseExportTime(text: string, name = 'EXPORT_TIME'): number {
  const value = text.trim();
  if (/^\d+(\.\d+)?$/.test(value)) {
    const n = Number(value);
    return n >= EPOCH_MS_THRESHOLD ? n / 1000 : n;
  }
  const match = SEED_FORM.exec(value);
  if (match) {
    const [, y, mo, d, h, mi, s, frac, zone] = match;
    let offset = zone ?? 'Z';
    if (/^[+-]\d{4}$/.test(offset)) offset = `${offset.slice(0, 3)}:${offset.slice(3)}`;
    const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${frac ?? ''}${offset.toUpperCase()}`;
    const ms = Date.parse(iso);
    if (!Number.isNaN(ms) && sameCalendarFields(iso, ms)) return ms / 1000;
  }
  throw new ConfigError(
    `${name} "${text}" is not a time: use '%Y-%m-%d %H:%M:%S%z' (2024-05-01 12:34:56+0000), ISO-8601 or epoch seconds`,
    { code: 'ENV_INVALID' },
  );
}

/** Date.parse rolls 2024-02-31 over to March; reject such dates instead. */
function sameCalendarFields(iso: string, ms: number): boolean {
  const offsetMatch = /([+-])(\d{2}):(\d{2})$/.exec(iso);
  const offsetMin = offsetMatch
    ? (offsetMatch[1] === '-' ? -1 : 1) * (Number(offsetMatch[2]) * 60 + Number(offsetMatch[3]))
    : 0;
  const local = new Date(ms + offsetMin * 60_000).toISOString();
  return local.slice(0, 19) === iso.slice(0, 19);
}

/**
 * The CDC cutoff in epoch seconds: `floor(exportTime) - marginSeconds`. Records strictly older
 * than it are skipped (they are in the export); everything at or after it is replayed, which
 * is harmless because applying a record is idempotent.
 */
export function cutoffEpochSeconds(exportTimeSeconds: number, marginSeconds: number): number {
  return Math.floor(exportTimeSeconds) - marginSeconds;
}
