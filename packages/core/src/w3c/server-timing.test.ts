import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { traceFromResponse } from './propagation.js';
import { appendServerTiming, formatTraceMetric, parseTraceMetric } from './server-timing.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const DESC = `00-${TRACE}-${SPAN}-01`;
const PARSED = { version: 0, traceId: TRACE, spanId: SPAN, traceFlags: 1 };

describe('formatTraceMetric', () => {
  it('is `trace;desc=` and a version-00 value, the name in lowercase', () => {
    expect(formatTraceMetric({ traceId: TRACE, spanId: SPAN, traceFlags: 1 })).toBe(
      `trace;desc=${DESC}`,
    );
  });

  it('reports only the sampled and random-trace-id flags; other bits are zero', () => {
    expect(formatTraceMetric({ traceId: TRACE, spanId: SPAN, traceFlags: 0xff })).toMatch(/-03$/);
    expect(formatTraceMetric({ traceId: TRACE, spanId: SPAN, traceFlags: 0x02 })).toMatch(/-02$/);
  });

  it('refuses invalid ids, so they never reach a header', () => {
    expect(() =>
      formatTraceMetric({ traceId: '0'.repeat(32), spanId: SPAN, traceFlags: 1 }),
    ).toThrow(TypeError);
    expect(() => formatTraceMetric({ traceId: TRACE, spanId: 'XYZ', traceFlags: 1 })).toThrow(
      TypeError,
    );
  });
});

describe('parseTraceMetric: the response binding, rule by rule', () => {
  it.each([
    ['the metric alone', `trace;desc=${DESC}`],
    ['a quoted description', `trace;desc="${DESC}"`],
    ['the name in any case', `TRACE;desc=${DESC}`],
    ['Trace, desc in capitals', `Trace;DESC=${DESC}`],
    ['after other metrics', `db;dur=53, cache;desc="Cache Read";dur=23.2, trace;desc=${DESC}`],
    ['before other metrics', `trace;desc=${DESC}, db;dur=53`],
    ['with a duration too', `trace;dur=0;desc=${DESC}`],
    ['white space around its parts', `db;dur=53 ,  trace ; desc = ${DESC} `],
    [
      "a comma inside another metric's quoted description",
      `x;desc="a, trace;desc=no", trace;desc=${DESC}`,
    ],
    ['an escaped quote before it', `x;desc="say \\"hi\\"", trace;desc=${DESC}`],
    ['a broken metric before it (skipped)', `;;;, trace;desc=${DESC}`],
  ])('reads %s', (_name, value) => {
    expect(parseTraceMetric(value)).toEqual(PARSED);
  });

  it('reads several header lines, and the first trace metric when there are two', () => {
    expect(parseTraceMetric(['db;dur=53', `trace;desc=${DESC}`])).toEqual(PARSED);
    const other = `00-${'a'.repeat(32)}-${SPAN}-00`;
    expect(parseTraceMetric(`trace;desc=${DESC}, trace;desc=${other}`)).toEqual(PARSED);
  });

  it.each([
    ['no trace metric', 'db;dur=53'],
    ['a trace metric without a description', 'trace;dur=1'],
    ['version ff', `trace;desc=ff-${TRACE}-${SPAN}-01`],
    ['a version other than 00', `trace;desc=01-${TRACE}-${SPAN}-01`],
    ['an all-zero trace id', `trace;desc=00-${'0'.repeat(32)}-${SPAN}-01`],
    ['an all-zero span id', `trace;desc=00-${TRACE}-${'0'.repeat(16)}-01`],
    ['uppercase hex', `trace;desc=00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['a metric whose name only starts with trace', `tracex;desc=${DESC}`],
    ['the value under another parameter', `trace;other=${DESC}`],
    ['a huge header', `${'x;dur=1, '.repeat(2000)}trace;desc=${DESC}`],
    ['a non-string', 42],
  ])('finds nothing for %s', (_name, value) => {
    expect(parseTraceMetric(value)).toBeUndefined();
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.anything(), fc.array(fc.string())), (value) => {
        const result = parseTraceMetric(value);
        expect(result === undefined || typeof result.traceId === 'string').toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads back what formatTraceMetric wrote, after any other metrics', () => {
    const hex = (n: number) =>
      fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
    const metric = fc.constantFrom('db;dur=53', 'cache;desc="a, b"', 'x', 'total;dur=1.5');
    fc.assert(
      fc.property(
        hex(32).filter((id) => /[1-9a-f]/.test(id)),
        hex(16).filter((id) => /[1-9a-f]/.test(id)),
        fc.integer({ min: 0, max: 255 }),
        fc.array(metric, { maxLength: 4 }),
        (traceId, spanId, traceFlags, before) => {
          const value = appendServerTiming(
            before.join(', '),
            formatTraceMetric({ traceId, spanId, traceFlags }),
          );
          expect(parseTraceMetric(value)).toEqual({
            version: 0,
            traceId,
            spanId,
            traceFlags: traceFlags & 0x03,
          });
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('appendServerTiming', () => {
  it("keeps the app's metrics, one line or several, and puts the trace metric last", () => {
    const metric = `trace;desc=${DESC}`;
    expect(appendServerTiming(undefined, metric)).toBe(metric);
    expect(appendServerTiming('db;dur=53', metric)).toBe(`db;dur=53, ${metric}`);
    expect(appendServerTiming(['db;dur=53', ' cache;dur=2 '], metric)).toBe(
      `db;dur=53, cache;dur=2, ${metric}`,
    );
    expect(appendServerTiming('', metric)).toBe(metric);
  });
});

describe('traceFromResponse', () => {
  it('reads Server-Timing first, then the older traceresponse, from Node or fetch headers', () => {
    const legacy = `00-${TRACE}-${'1'.repeat(16)}-00`;
    expect(traceFromResponse({ 'server-timing': `trace;desc=${DESC}` })).toEqual(PARSED);
    expect(
      traceFromResponse({ 'server-timing': `trace;desc=${DESC}`, traceresponse: legacy }),
    ).toEqual(PARSED);
    expect(traceFromResponse({ traceresponse: legacy })?.spanId).toBe('1'.repeat(16));
    expect(
      traceFromResponse(new Headers({ 'Server-Timing': `db;dur=1, trace;desc=${DESC}` })),
    ).toEqual(PARSED);
    expect(traceFromResponse({ 'Server-Timing': `trace;desc=${DESC}` })).toEqual(PARSED);
    expect(traceFromResponse({})).toBeUndefined();
    expect(traceFromResponse(null)).toBeUndefined();
    expect(traceFromResponse({ traceresponse: 'garbage' })).toBeUndefined();
  });
});
