import { describe, expect, it } from 'vitest';
import {
  childContext,
  createTraceContext,
  FLAG_RANDOM,
  FLAG_SAMPLED,
  isTraceContext,
  newTraceContext,
  withFields,
} from './context.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('TraceContext values', () => {
  it('createTraceContext checks and freezes, fields included', () => {
    const ctx = createTraceContext({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
      fields: { tenant: 'a' },
    });
    expect(ctx).toEqual({ traceId: TRACE, spanId: SPAN, traceFlags: 1, fields: { tenant: 'a' } });
    expect(Object.isFrozen(ctx)).toBe(true);
    expect(Object.isFrozen(ctx.fields)).toBe(true);
    expect(createTraceContext(ctx)).toBe(ctx);
  });

  it("does not keep a reference to the caller's fields object", () => {
    const fields = { tenant: 'a' };
    const ctx = createTraceContext({ traceId: TRACE, spanId: SPAN, fields });
    fields.tenant = 'b';
    expect(ctx.fields).toEqual({ tenant: 'a' });
  });

  it.each([
    [{ traceId: 'nope', spanId: SPAN }, /traceId must be 32 lowercase hex/],
    [{ traceId: TRACE.toUpperCase(), spanId: SPAN }, /traceId/],
    [{ traceId: '0'.repeat(32), spanId: SPAN }, /traceId/],
    [{ traceId: TRACE, spanId: '0'.repeat(16) }, /spanId/],
    [{ traceId: TRACE, spanId: SPAN, traceFlags: -1 }, /traceFlags/],
    [{ traceId: TRACE, spanId: SPAN, traceState: 'BAD=1' }, /traceState/],
    [{ traceId: TRACE, spanId: SPAN, parentSpanId: 'x' }, /parentSpanId/],
    [{ traceId: TRACE, spanId: SPAN, requestId: 5 }, /requestId/],
    [{ traceId: TRACE, spanId: SPAN, fields: 'x' }, /fields/],
  ])('refuses bad input with a TypeError naming the field (%#)', (init, message) => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => createTraceContext(init as any)).toThrow(message);
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => createTraceContext(init as any)).toThrow(/^@tracebridge\/core: /);
  });

  it('refuses a non-object', () => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => createTraceContext(null as any)).toThrow(TypeError);
  });

  it('newTraceContext: random ids, random flag, sampled unless told otherwise', () => {
    const a = newTraceContext();
    const b = newTraceContext({ sampled: false, requestId: 'r1' });
    expect(a.traceId).not.toBe(b.traceId);
    expect(a.traceFlags).toBe(FLAG_SAMPLED | FLAG_RANDOM);
    expect(b.traceFlags).toBe(FLAG_RANDOM);
    expect(b.requestId).toBe('r1');
    expect(isTraceContext(a)).toBe(true);
  });

  it('childContext keeps the trace and points at its parent', () => {
    const parent = createTraceContext({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
      traceState: 'a=1',
      requestId: 'r',
    });
    const child = childContext(parent);
    expect(child).toMatchObject({
      traceId: TRACE,
      traceFlags: 1,
      traceState: 'a=1',
      requestId: 'r',
      parentSpanId: SPAN,
    });
    expect(child.spanId).not.toBe(SPAN);
  });

  it('withFields returns a new value and leaves the original alone', () => {
    const base = createTraceContext({ traceId: TRACE, spanId: SPAN, fields: { a: 1 } });
    const next = withFields(base, { b: 2, a: 3 });
    expect(next.fields).toEqual({ a: 3, b: 2 });
    expect(base.fields).toEqual({ a: 1 });
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => withFields(base, null as any)).toThrow(/withFields/);
  });

  it('isTraceContext accepts checked shapes and refuses the rest', () => {
    expect(isTraceContext({ traceId: TRACE, spanId: SPAN })).toBe(true);
    expect(isTraceContext({ traceId: TRACE })).toBe(false);
    expect(isTraceContext('x')).toBe(false);
  });
});
