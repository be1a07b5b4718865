import { describe, expect, it } from 'vitest';
import { compareDecimalStrings, normalizeNumber } from '../../src/attribute-value/decimal.js';

const DIGITS_38 = '12345678901234567890123456789012345678';

describe('normalizeNumber', () => {
  it.each([
    ['1', '1'],
    ['1.0', '1'],
    ['1E0', '1'],
    ['1e+0', '1'],
    ['01', '1'],
    ['+1', '1'],
    ['0.10', '0.1'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['1E2', '100'],
    ['100', '100'],
    ['-0', '0'],
    ['0.000', '0'],
    ['-0E5', '0'],
    ['-1.50', '-1.5'],
    ['1.5E-3', '0.0015'],
    ['-12.5e1', '-125'],
    ['1E-130', `0.${'0'.repeat(129)}1`],
    [DIGITS_38, DIGITS_38],
    [`${DIGITS_38}.000`, DIGITS_38],
  ])('writes %s canonically as %s', (input, expected) => {
    expect(normalizeNumber(input)).toBe(expected);
  });

  it('keeps all 38 significant digits of a fraction', () => {
    const fraction = `0.${DIGITS_38}`;
    expect(normalizeNumber(`${fraction}000`)).toBe(fraction);
    expect(normalizeNumber('1.2345678901234567890123456789012345678E-1')).toBe(
      '0.12345678901234567890123456789012345678',
    );
  });

  it('switches to exponent form far outside the DynamoDB range instead of allocating huge text', () => {
    expect(normalizeNumber('1E999999')).toBe('1E999999');
    expect(normalizeNumber('12.5E999999')).toBe('1.25E1000000');
    expect(normalizeNumber('10E999998')).toBe(normalizeNumber('1E999999'));
  });

  it.each(['', '-', '.', 'abc', '1e', '1.2.3', ' 1', '1 ', '0x10', 'NaN', 'Infinity', '1,5'])(
    'rejects %j as not a number',
    (input) => {
      expect(() => normalizeNumber(input)).toThrow(/Not a valid DynamoDB number/);
    },
  );

  it('does not echo the rejected text in the error', () => {
    expect(() => normalizeNumber('secret-value')).toThrow(/^(?!.*secret).*$/);
  });
});

describe('compareDecimalStrings', () => {
  it.each([
    ['1', '1.0', 0],
    ['1E0', '1e+0', 0],
    ['0.10', '0.1', 0],
    ['-0', '0', 0],
    ['100', '1E2', 0],
    ['1', '2', -1],
    ['2', '1', 1],
    ['-1', '1', -1],
    ['-2', '-1', -1],
    ['-1', '-2', 1],
    ['0', '-0.0001', 1],
    ['0', '0.0001', -1],
    ['9', '10', -1],
    ['0.09', '0.1', -1],
    ['12', '123', -1],
    ['2', '123', -1],
    ['1.23', '1.2', 1],
    ['1E-130', '0', 1],
    ['9.9999999999999999999999999999999999999E+125', '1E126', -1],
    [DIGITS_38, '12345678901234567890123456789012345679', -1],
    ['-12345678901234567890123456789012345678', '-12345678901234567890123456789012345679', 1],
    ['0012.3400', '12.34', 0],
  ] as const)('compares %s with %s as %d', (a, b, expected) => {
    expect(compareDecimalStrings(a, b)).toBe(expected);
  });

  it('is antisymmetric on numbers a JS double cannot tell apart', () => {
    const a = '0.30000000000000000000000000000000000001';
    const b = '0.3';
    expect(Number(a)).toBe(Number(b));
    expect(compareDecimalStrings(a, b)).toBe(1);
    expect(compareDecimalStrings(b, a)).toBe(-1);
  });

  it('throws on text that is not a number', () => {
    expect(() => compareDecimalStrings('1', 'one')).toThrow(/Not a valid DynamoDB number/);
  });
});
