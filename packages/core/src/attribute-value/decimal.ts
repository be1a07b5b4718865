/**
 * Exact decimal handling for DynamoDB numbers (N). DynamoDB keeps up to 38 significant digits, far more
 * than a JS double (~15-17), so numbers are handled as text here and never go through `Number`.
 */

/** A parsed decimal: value = sign * digits * 10^exponent; `digits` has no leading or trailing zeros. */
export interface ParsedDecimal {
  /** -1, 0 (the value is zero; `digits` is empty) or 1. */
  sign: -1 | 0 | 1;
  /** Significant digits without leading or trailing zeros ("" for zero). */
  digits: string;
  exponent: number;
}

const DECIMAL_PATTERN = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,9}))?$/;

// DynamoDB's range is 1E-130 .. 9.99E+125; beyond this band the canonical text switches to exponent form
// so that a hostile "1E999999999" cannot make normalizeNumber allocate a gigabyte of zeros.
const PLAIN_NOTATION_LIMIT = 400;

/** Parses decimal text (`-12.50`, `1E+2`, `.5`, `5.`) exactly; returns `undefined` when it is not a decimal literal. */
export function tryParseDecimal(text: string): ParsedDecimal | undefined {
  const match = DECIMAL_PATTERN.exec(text);
  if (!match) return undefined;
  const [, signText = '', intPart = '', fracPart = '', expText] = match;
  if (intPart.length === 0 && fracPart.length === 0) return undefined;
  const all = intPart + fracPart;
  let start = 0;
  while (start < all.length && all.charCodeAt(start) === 48) start++;
  let end = all.length;
  while (end > start && all.charCodeAt(end - 1) === 48) end--;
  if (start === end) return { sign: 0, digits: '', exponent: 0 };
  const digits = all.slice(start, end);
  // all * 10^(exp - fracPart.length); dropping `all.length - end` trailing zeros raises the exponent by as much.
  const exponent = Number(expText ?? '0') - fracPart.length + (all.length - end);
  return { sign: signText === '-' ? -1 : 1, digits, exponent };
}

/** Like {@link tryParseDecimal}, but throws a clear Error for text that is not a decimal literal. */
export function parseDecimal(text: string): ParsedDecimal {
  const parsed = typeof text === 'string' ? tryParseDecimal(text) : undefined;
  if (!parsed) {
    // The value itself is not echoed: items may hold regulated data and errors end up in logs.
    throw new Error(`Not a valid DynamoDB number (N): expected decimal text, got ${describeLength(text)}`);
  }
  return parsed;
}

function describeLength(text: unknown): string {
  return typeof text === 'string' ? `a string of ${text.length} characters` : typeof text;
}

/**
 * Canonical text of a DynamoDB number: no exponent, no leading/trailing zeros, no "+" and no "-0",
 * so two texts are DynamoDB-equal exactly when their canonical texts are identical.
 *
 * @example
 * normalizeNumber('1.0'); // '1'
 * normalizeNumber('1E2'); // '100'
 * normalizeNumber('-0.10'); // '-0.1'
 * @throws Error when `n` is not decimal text.
 */
export function normalizeNumber(n: string): string {
  return formatDecimal(parseDecimal(n));
}

/** Formats a {@link ParsedDecimal} as canonical text (see {@link normalizeNumber}). */
export function formatDecimal(d: ParsedDecimal): string {
  if (d.sign === 0) return '0';
  const sign = d.sign < 0 ? '-' : '';
  const { digits, exponent } = d;
  const pointPosition = digits.length + exponent; // digits before the decimal point
  if (pointPosition > PLAIN_NOTATION_LIMIT || pointPosition < -PLAIN_NOTATION_LIMIT) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mantissa}E${pointPosition - 1}`;
  }
  if (exponent >= 0) return sign + digits + '0'.repeat(exponent);
  if (pointPosition > 0) return `${sign}${digits.slice(0, pointPosition)}.${digits.slice(pointPosition)}`;
  return `${sign}0.${'0'.repeat(-pointPosition)}${digits}`;
}

/**
 * Compares two DynamoDB numbers exactly, as decimals.
 *
 * @example
 * compareDecimalStrings('0.10', '1E-1'); // 0
 * compareDecimalStrings('-5', '3'); // -1
 * @throws Error when either argument is not decimal text.
 */
export function compareDecimalStrings(a: string, b: string): -1 | 0 | 1 {
  return compareParsedDecimals(parseDecimal(a), parseDecimal(b));
}

/** {@link compareDecimalStrings} for already parsed values. */
export function compareParsedDecimals(a: ParsedDecimal, b: ParsedDecimal): -1 | 0 | 1 {
  if (a.sign !== b.sign) return a.sign < b.sign ? -1 : 1;
  if (a.sign === 0) return 0;
  const magnitude = compareMagnitudes(a, b);
  return (a.sign < 0 ? -magnitude : magnitude) as -1 | 0 | 1;
}

function compareMagnitudes(a: ParsedDecimal, b: ParsedDecimal): -1 | 0 | 1 {
  // value = 0.digits * 10^(digits.length + exponent); the larger adjusted exponent is the larger magnitude.
  const adjustedA = a.digits.length + a.exponent;
  const adjustedB = b.digits.length + b.exponent;
  if (adjustedA !== adjustedB) return adjustedA < adjustedB ? -1 : 1;
  // Same scale: plain string order on digits without trailing zeros is numeric order ("12" < "123" < "2").
  if (a.digits === b.digits) return 0;
  return a.digits < b.digits ? -1 : 1;
}
