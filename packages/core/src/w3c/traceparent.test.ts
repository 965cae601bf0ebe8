import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTraceParent, parseTraceParent } from './traceparent.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const VALID = `00-${TRACE}-${SPAN}-01`;

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const traceId = hex(32).filter((id) => /[1-9a-f]/.test(id));
const spanId = hex(16).filter((id) => /[1-9a-f]/.test(id));
const flags = fc.integer({ min: 0, max: 255 });

describe('parseTraceParent: the spec, rule by rule', () => {
  it.each([
    [
      'a valid version-00 value',
      VALID,
      { version: 0, traceId: TRACE, spanId: SPAN, traceFlags: 1 },
    ],
    [
      'flags 00 (not sampled)',
      `00-${TRACE}-${SPAN}-00`,
      { version: 0, traceId: TRACE, spanId: SPAN, traceFlags: 0 },
    ],
    [
      'the Level 2 random flag',
      `00-${TRACE}-${SPAN}-03`,
      { version: 0, traceId: TRACE, spanId: SPAN, traceFlags: 3 },
    ],
    [
      'unknown flag bits kept as received',
      `00-${TRACE}-${SPAN}-ff`,
      { version: 0, traceId: TRACE, spanId: SPAN, traceFlags: 255 },
    ],
    [
      'OWS around the value',
      ` \t${VALID}\t `,
      { version: 0, traceId: TRACE, spanId: SPAN, traceFlags: 1 },
    ],
    [
      'a future version, exact length',
      `cc-${TRACE}-${SPAN}-01`,
      { version: 0xcc, traceId: TRACE, spanId: SPAN, traceFlags: 1 },
    ],
    [
      'a future version with more fields',
      `cc-${TRACE}-${SPAN}-01-what-the-future-holds`,
      { version: 0xcc, traceId: TRACE, spanId: SPAN, traceFlags: 1 },
    ],
  ])('accepts %s', (_name, input, expected) => {
    expect(parseTraceParent(input)).toEqual(expected);
  });

  it.each([
    ['version ff', `ff-${TRACE}-${SPAN}-01`],
    ['an uppercase version', `0A-${TRACE}-${SPAN}-01`],
    ['an uppercase trace id', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['an uppercase span id', `00-${TRACE}-${SPAN.toUpperCase()}-01`],
    ['uppercase flags', `00-${TRACE}-${SPAN}-0A`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['an all-zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['version 00 with trailing data', `${VALID}-extra`],
    ['version 00 one character longer', `${VALID}0`],
    ['a future version continuing without a dash', `cc-${TRACE}-${SPAN}-01x`],
    ['a short trace id', `00-${TRACE.slice(1)}-${SPAN}-01`],
    ['a long span id', `00-${TRACE}-${SPAN}a-01`],
    ['one-digit flags', `00-${TRACE}-${SPAN}-1`],
    ['a wrong separator', `00_${TRACE}-${SPAN}-01`],
    ['a non-hex character', `00-${TRACE.slice(0, 31)}g-${SPAN}-01`],
    ['OWS inside the value', `00- ${TRACE}-${SPAN}-01`],
    ['an empty string', ''],
    ['a huge value', `${VALID}-${'a'.repeat(100_000)}`],
    ['two joined header lines', `${VALID}, ${VALID}`],
    ['a number', 42],
    ['undefined', undefined],
    ['an array', [VALID]],
  ])('rejects %s', (_name, input) => {
    expect(parseTraceParent(input)).toBeUndefined();
  });
});

describe('parseTraceParent: properties', () => {
  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.anything(), fc.string({ unit: 'binary' })), (input) => {
        const result = parseTraceParent(input);
        expect(result === undefined || typeof result.traceId === 'string').toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips every valid version-00 value', () => {
    fc.assert(
      fc.property(traceId, spanId, flags, (t, s, f) => {
        const header = formatTraceParent({ traceId: t, spanId: s, traceFlags: f });
        expect(parseTraceParent(header)).toEqual({
          version: 0,
          traceId: t,
          spanId: s,
          traceFlags: f,
        });
        const parsed = parseTraceParent(header)!;
        expect(formatTraceParent(parsed)).toBe(header);
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects every value with one character replaced by a non-lowercase-hex one', () => {
    // Past ASCII too, with characters whose low byte is a hex digit or a dash (İ is U+0130,
    // š U+0161, ŭ U+016D, ｆ U+FF46), an astral one and a lone surrogate.
    const bad = fc.constantFrom(
      ...'ABCDEFGXYZghxz_ .+/\u00e9\u0130\u0161\u016d\uff46'.split(''),
      '\u{1F600}',
      '\ud800',
    );
    fc.assert(
      fc.property(traceId, spanId, fc.integer({ min: 0, max: 54 }), bad, (t, s, position, ch) => {
        const header = `00-${t}-${s}-01`;
        const broken = header.slice(0, position) + ch + header.slice(position + 1);
        // Replacing a separator with a hex digit can't happen here: bad holds no hex digit.
        expect(parseTraceParent(broken)).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('a character past ASCII at the end is refused, whatever the value parsed before', () => {
    const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    for (const last of ['\u00e9', '\u0131', '\u{1F600}', '\udc00']) {
      expect(parseTraceParent(valid)).toBeDefined();
      expect(parseTraceParent(`${valid.slice(0, 54)}${last}`)).toBeUndefined();
      expect(parseTraceParent(`${valid.slice(0, 53)}${last}1`)).toBeUndefined();
    }
  });

  it('rejects every version-00 value whose length is off', () => {
    fc.assert(
      fc.property(traceId, spanId, fc.string({ minLength: 1, maxLength: 20 }), (t, s, tail) => {
        expect(
          parseTraceParent(`00-${t}-${s}-01${tail.replace(/^[ \t]+|[ \t]+$/g, '') || 'x'}`),
        ).toBeUndefined();
        expect(parseTraceParent(`00-${t}-${s}-0`)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});

/** The spec read as one regular expression: what parseTraceParent must agree with. */
function referenceParse(value: string) {
  const m = /^[ \t]*([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?[ \t]*$/s.exec(
    value,
  );
  if (m === null || value.length > 512) return undefined;
  const [, v, traceId, spanId, f, rest] = m as unknown as string[];
  const version = Number.parseInt(v as string, 16);
  if (version === 0xff || (version === 0 && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId as string) || /^0+$/.test(spanId as string)) return undefined;
  return { version, traceId, spanId, traceFlags: Number.parseInt(f as string, 16) };
}

describe('parseTraceParent agrees with the spec read as a regular expression', () => {
  it('on valid values with random characters replaced, OWS around and data after', () => {
    const char = fc.constantFrom(...'0123456789abcdefABF-gz \t0\u0130\u0161'.split(''));
    fc.assert(
      fc.property(
        fc.constantFrom('00', '01', 'cc', 'fe', 'ff'),
        traceId,
        spanId,
        flags,
        fc.array(fc.tuple(fc.nat(60), char), { maxLength: 3 }),
        fc.constantFrom('', ' ', '\t ', '-x', '-', 'x'),
        fc.constantFrom('', ' ', ' \t'),
        (version, trace, span, flagByte, edits, tail, ows) => {
          let value = `${version}-${trace}-${span}-${flagByte.toString(16).padStart(2, '0')}${tail}`;
          for (const [at, c] of edits) {
            const i = at % value.length;
            value = value.slice(0, i) + c + value.slice(i + 1);
          }
          value = `${ows}${value}${ows}`;
          expect(parseTraceParent(value)).toEqual(referenceParse(value));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('formatTraceParent', () => {
  it('pads flags to two hex digits', () => {
    expect(formatTraceParent({ traceId: TRACE, spanId: SPAN, traceFlags: 2 })).toBe(
      `00-${TRACE}-${SPAN}-02`,
    );
  });

  it.each([
    [{ traceId: 'x', spanId: SPAN, traceFlags: 1 }, /traceId/],
    [{ traceId: TRACE, spanId: '0'.repeat(16), traceFlags: 1 }, /spanId/],
    [{ traceId: TRACE, spanId: SPAN, traceFlags: 256 }, /traceFlags/],
    [{ traceId: TRACE, spanId: SPAN, traceFlags: 1.5 }, /traceFlags/],
  ])('refuses invalid parts with a TypeError (%#)', (parts, message) => {
    expect(() => formatTraceParent(parts)).toThrow(TypeError);
    expect(() => formatTraceParent(parts)).toThrow(message);
  });
});
