import { propagation, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { installOtel } from '../../test-support/otel.js';
import { createTraceContext, newTraceContext } from '../context.js';
import { run } from '../current.js';
import { extract, traceHeaders } from './propagation.js';
import { parseTraceParent } from './traceparent.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const PARENT = `00-${TRACE}-${SPAN}-01`;

let uninstall: (() => Promise<void>) | undefined;
afterEach(async () => {
  await uninstall?.();
  uninstall = undefined;
});

describe('extract (built-in W3C parser)', () => {
  it('reads traceparent and tracestate from Node-style headers', () => {
    expect(extract({ traceparent: PARENT, tracestate: 'a=1, b=2' })).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
      traceState: 'a=1,b=2',
    });
  });

  it('reads mixed-case keys and a fetch Headers object', () => {
    expect(extract({ TraceParent: PARENT })?.traceId).toBe(TRACE);
    expect(extract(new Headers({ traceparent: PARENT, tracestate: 'a=1' }))).toMatchObject({
      traceId: TRACE,
      traceState: 'a=1',
    });
  });

  it('drops an invalid tracestate whole but keeps a valid traceparent', () => {
    expect(extract({ traceparent: PARENT, tracestate: 'a=1,B=2' })).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
    });
  });

  it.each([
    ['no headers', {}],
    ['a malformed traceparent', { traceparent: 'garbage' }],
    ['two traceparent lines', { traceparent: [PARENT, PARENT] }],
    ['tracestate alone', { tracestate: 'a=1' }],
    ['null', null],
    ['a string', 'traceparent'],
  ])('gives undefined for %s, never throws', (_name, headers) => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(extract(headers as any)).toBeUndefined();
  });
});

describe('extract through a registered OTel propagator', () => {
  it('uses the global propagator when one is registered', () => {
    uninstall = installOtel().uninstall;
    // A propagator that reads its own header: traceparent is then not consulted at all.
    propagation.setGlobalPropagator({
      fields: () => ['x-test-trace'],
      inject: () => undefined,
      extract: (ctx, carrier, getter) => {
        const [traceId, spanId] = String(getter.get(carrier, 'x-test-trace') ?? '').split(':');
        if (!traceId || !spanId) return ctx;
        return trace.setSpanContext(ctx, { traceId, spanId, traceFlags: 1, isRemote: true });
      },
    });
    expect(extract({ 'x-test-trace': `${TRACE}:${SPAN}` })).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
    });
    expect(extract({ traceparent: PARENT })).toBeUndefined();
    expect(extract({ 'x-test-trace': `${TRACE.toUpperCase()}:${SPAN}` })).toBeUndefined();
  });

  it('reads W3C headers through the OTel W3C propagator', () => {
    uninstall = installOtel({ propagator: true }).uninstall;
    expect(extract({ traceparent: PARENT, tracestate: 'a=1' })).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
      traceState: 'a=1',
    });
    expect(extract({ traceparent: 'garbage' })).toBeUndefined();
  });

  it('still drops an invalid tracestate whole (the OTel TraceState would keep part of it)', () => {
    uninstall = installOtel({ propagator: true }).uninstall;
    expect(extract({ traceparent: PARENT, tracestate: 'a=1,B=2' })).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
    });
  });
});

describe('traceHeaders', () => {
  it('gives a fresh parent id per call, same trace, known flags only, and the trace state', () => {
    const ctx = createTraceContext({
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 0xff,
      traceState: 'a=1',
    });
    const one = traceHeaders(ctx);
    const two = traceHeaders(ctx);
    const p1 = parseTraceParent(one.traceparent)!;
    const p2 = parseTraceParent(two.traceparent)!;
    expect(p1.traceId).toBe(TRACE);
    expect(p2.traceId).toBe(TRACE);
    expect(p1.spanId).not.toBe(p2.spanId);
    expect(p1.spanId).not.toBe(SPAN);
    expect(p1.traceFlags).toBe(0x03);
    expect(one.tracestate).toBe('a=1');
  });

  it('defaults to the current context and is empty outside one', () => {
    const ctx = newTraceContext();
    expect(parseTraceParent(run(ctx, () => traceHeaders()).traceparent)?.traceId).toBe(ctx.traceId);
    expect(traceHeaders()).toEqual({});
  });
});
