import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatTraceState,
  isValidTraceState,
  normalizeTraceState,
  parseTraceState,
  type TraceStateEntry,
} from './tracestate.js';

const lcalpha = 'abcdefghijklmnopqrstuvwxyz';
const keyChars = `${lcalpha}0123456789_-*/`;
const simpleKey = fc
  .tuple(
    fc.constantFrom(...lcalpha),
    fc.string({ unit: fc.constantFrom(...keyChars), maxLength: 20 }),
  )
  .map(([head, tail]) => head + tail);
const tenantKey = fc
  .tuple(
    fc.constantFrom(...`${lcalpha}0123456789`),
    fc.string({ unit: fc.constantFrom(...keyChars), maxLength: 10 }),
    fc.constantFrom(...lcalpha),
    fc.string({ unit: fc.constantFrom(...keyChars), maxLength: 13 }),
  )
  .map(([a, b, c, d]) => `${a}${b}@${c}${d}`);
const nblk = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) =>
  String.fromCharCode(0x21 + i),
).filter((ch) => ch !== ',' && ch !== '=');
const value = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(' ', ...nblk), maxLength: 30 }),
    fc.constantFrom(...nblk),
  )
  .map(([body, last]) => body + last);
const entries = fc.uniqueArray(fc.tuple(fc.oneof(simpleKey, tenantKey), value), {
  maxLength: 32,
  selector: ([key]) => key,
});

describe('parseTraceState: the spec, rule by rule', () => {
  it.each([
    ['one member', 'congo=t61rcWkgMzE', [['congo', 't61rcWkgMzE']]],
    [
      'two members with OWS',
      'rojo=00f067aa0ba902b7 ,\tcongo=t61rcWkgMzE',
      [
        ['rojo', '00f067aa0ba902b7'],
        ['congo', 't61rcWkgMzE'],
      ],
    ],
    [
      'empty members',
      ',,a=1,, ,b=2,',
      [
        ['a', '1'],
        ['b', '2'],
      ],
    ],
    ['a multi-tenant key', 'fw529a3039@dt=abc', [['fw529a3039@dt', 'abc']]],
    ['a tenant key starting with a digit', '1tenant@sys=v', [['1tenant@sys', 'v']]],
    ['a value with inner spaces', 'a=b c', [['a', 'b c']]],
    [
      'several header lines',
      ['a=1', 'b=2'],
      [
        ['a', '1'],
        ['b', '2'],
      ],
    ],
    ['the empty value', '', []],
    [
      'a 256-character key and value',
      `a${'b'.repeat(255)}=${'v'.repeat(256)}`,
      [[`a${'b'.repeat(255)}`, 'v'.repeat(256)]],
    ],
  ])('accepts %s', (_name, input, expected) => {
    expect(parseTraceState(input)).toEqual(expected);
  });

  it.each([
    ['an uppercase key', 'Congo=1'],
    ['a key starting with a digit (simple key)', '1congo=1'],
    ['a 257-character key', `a${'b'.repeat(256)}=1`],
    ['a 257-character value', `a=${'v'.repeat(257)}`],
    ['a system id of 15 characters', 't@abcdefghijklmno=1'],
    ['a missing =', 'congo'],
    ['an empty key', '=1'],
    ['an empty value', 'a='],
    ['a value ending in a space (inside a member)', 'a=b \u0001'],
    ['a = inside the value', 'a=b=c'],
    ['a non-ASCII value', 'a=\u00e9'],
    ['a control character', 'a=b\u0000c'],
    ['a duplicate key', 'a=1,b=2,a=3'],
    ['33 members', Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')],
    ['a huge value', 'a=1,'.repeat(100_000)],
    ['a non-string', 42],
    ['an array with a non-string', ['a=1', 2]],
  ])('drops the whole value for %s', (_name, input) => {
    expect(parseTraceState(input)).toBeUndefined();
  });

  it('accepts exactly 32 members', () => {
    expect(parseTraceState(Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(','))).toHaveLength(
      32,
    );
  });
});

describe('parseTraceState: properties', () => {
  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.anything(), fc.array(fc.string())), (input) => {
        const result = parseTraceState(input);
        expect(result === undefined || Array.isArray(result)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips every valid list', () => {
    fc.assert(
      fc.property(entries, (list) => {
        const header = formatTraceState(list);
        expect(parseTraceState(header)).toEqual(list);
        expect(isValidTraceState(header)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('drops a valid list whole when one invalid member is added anywhere', () => {
    const badMember = fc.constantFrom('UPPER=1', 'novalue', 'a=b=c', '=x', 'k=\u00e9', '9x=1');
    fc.assert(
      fc.property(entries, badMember, fc.nat(), (list, bad, at) => {
        const members = list.map(([k, v]) => `${k}=${v}`);
        members.splice(at % (members.length + 1), 0, bad);
        expect(parseTraceState(members.join(','))).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});

describe('formatTraceState and normalizeTraceState', () => {
  it('refuses invalid members, duplicates and more than 32', () => {
    expect(() => formatTraceState([['A', '1']])).toThrow(/invalid tracestate member/);
    expect(() =>
      formatTraceState([
        ['a', '1'],
        ['a', '2'],
      ]),
    ).toThrow(/duplicate/);
    const many: TraceStateEntry[] = Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v']);
    expect(() => formatTraceState(many)).toThrow(/at most 32/);
  });

  it('normalises OWS and empty members, and gives undefined for nothing or invalid', () => {
    expect(normalizeTraceState(' a=1 ,, b=2 ')).toBe('a=1,b=2');
    expect(normalizeTraceState(' , ')).toBeUndefined();
    expect(normalizeTraceState('A=1')).toBeUndefined();
  });
});
