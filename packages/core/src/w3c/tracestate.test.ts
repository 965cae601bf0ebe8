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
const first = `${lcalpha}0123456789`;
const keyChars = `${first}_-*/@`;
/** Any key of the current grammar: a lowercase letter or digit, then up to 255 keychars. */
const key = (maxTail: number, minTail = 0) =>
  fc
    .tuple(
      fc.constantFrom(...first),
      fc.string({ unit: fc.constantFrom(...keyChars), minLength: minTail, maxLength: maxTail }),
    )
    .map(([head, tail]) => head + tail);
const shortKey = key(20);
const nblk = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) =>
  String.fromCharCode(0x21 + i),
).filter((ch) => ch !== ',' && ch !== '=');
const value = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(' ', ...nblk), maxLength: 30 }),
    fc.constantFrom(...nblk),
  )
  .map(([body, last]) => body + last);
const entries = fc.uniqueArray(fc.tuple(shortKey, value), {
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
    ['a key starting with a digit', '1congo=1', [['1congo', '1']]],
    ['a key ending in @', 'foo@=1', [['foo@', '1']]],
    ['two @ in a row', 'foo@@bar=1', [['foo@@bar', '1']]],
    ['two @ apart', 'foo@bar@baz=1', [['foo@bar@baz', '1']]],
    [
      '242 characters before @v (no tenant limit)',
      `${'t'.repeat(242)}@v=1`,
      [[`${'t'.repeat(242)}@v`, '1']],
    ],
    [
      '15 characters after t@ (no system limit)',
      `t@${'v'.repeat(15)}=1`,
      [[`t@${'v'.repeat(15)}`, '1']],
    ],
    ['a duplicated key, same value: the first kept', 'foo=1,foo=1', [['foo', '1']]],
    [
      'a duplicated key, other values: the first (most recent) kept, in place',
      'foo=1,bar=2,foo=3',
      [
        ['foo', '1'],
        ['bar', '2'],
      ],
    ],
    ['a key duplicated over two header lines', ['foo=1', 'foo=2'], [['foo', '1']]],
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
    ['a key starting with @', '@foo=1'],
    ['a key starting with _', '_foo=1'],
    ['a 257-character key', `a${'b'.repeat(256)}=1`],
    ['a 257-character key with @', `${'t'.repeat(242)}@${'v'.repeat(14)}=1`],
    ['a 257-character value', `a=${'v'.repeat(257)}`],
    ['a missing =', 'congo'],
    ['an empty key', '=1'],
    ['an empty value', 'a='],
    ['a value ending in a space (inside a member)', 'a=b \u0001'],
    ['a = inside the value', 'a=b=c'],
    ['a non-ASCII value', 'a=\u00e9'],
    ['a control character', 'a=b\u0000c'],
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
    const badMember = fc.constantFrom(
      'UPPER=1',
      'novalue',
      'a=b=c',
      '=x',
      'k=\u00e9',
      '@x=1',
      '-x=1',
    );
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

describe('the key grammar of the current draft, as properties', () => {
  it('accepts every key of up to 256 characters from its alphabet, and round-trips it', () => {
    fc.assert(
      fc.property(key(255), (k) => {
        expect(parseTraceState(`${k}=v`)).toEqual([[k, 'v']]);
        expect(formatTraceState([[k, 'v']])).toBe(`${k}=v`);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a key of 257 characters or more, whatever its characters', () => {
    fc.assert(
      fc.property(key(400, 256), (k) => {
        expect(parseTraceState(`${k}=v`)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a key whose first character is not a lowercase letter or digit', () => {
    // (A leading space would be OWS around the member, which the parser trims.)
    const head = fc.constantFrom('@', '_', '-', '*', '/', 'A', 'Z', '.', '\u00e9');
    fc.assert(
      fc.property(head, shortKey, (h, rest) => {
        expect(parseTraceState(`${h}${rest}=v`)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a key with any character outside the alphabet', () => {
    const outside = fc.constantFrom('A', '.', '+', ':', '\u00e9', '!', '#', '~');
    fc.assert(
      fc.property(shortKey, outside, fc.nat(), (k, bad, at) => {
        const i = 1 + (at % k.length);
        expect(parseTraceState(`${k.slice(0, i)}${bad}${k.slice(i)}=v`)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('inherits a duplicated key: the first member kept in place, later ones dropped', () => {
    fc.assert(
      fc.property(
        entries.filter((l) => l.length > 0),
        value,
        fc.nat(),
        (list, v, at) => {
          const [dupKey] = list[at % list.length] as TraceStateEntry;
          const header = `${formatTraceState(list)},${dupKey}=${v}`;
          expect(parseTraceState(header)).toEqual(list);
        },
      ),
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
