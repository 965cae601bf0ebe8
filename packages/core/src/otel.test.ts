import { context, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installOtel, otelSdkMajor } from '../test-support/otel.js';
import { bind } from './bind.js';
import { createTraceContext, newTraceContext } from './context.js';
import { current, run } from './current.js';
import { fromSpanContext, toSpanContext } from './otel.js';

let otel: ReturnType<typeof installOtel>;
beforeAll(() => {
  otel = installOtel();
});
afterAll(async () => {
  await otel.uninstall();
});

describe('OpenTelemetry mapping', () => {
  it('runs against the OpenTelemetry SDK line this project asked for', () => {
    expect(otelSdkMajor).toBe(Number(process.env.TRACEBRIDGE_EXPECT_OTEL ?? 2));
  });

  it('fromSpanContext / toSpanContext round-trip, trace state included', () => {
    const ctx = createTraceContext({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
      traceState: 'a=1,b=2',
    });
    const spanContext = toSpanContext(ctx, true);
    expect(spanContext).toMatchObject({
      traceId: ctx.traceId,
      spanId: ctx.spanId,
      traceFlags: 1,
      isRemote: true,
    });
    expect(spanContext.traceState?.serialize()).toBe('a=1,b=2');
    expect(fromSpanContext(spanContext)).toEqual(ctx);
  });

  it('fromSpanContext refuses an invalid span context', () => {
    expect(
      fromSpanContext(
        trace
          .wrapSpanContext({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 })
          .spanContext(),
      ),
    ).toBeUndefined();
  });

  it('current() falls back to the active span when there is no store', () => {
    otel.tracer.startActiveSpan('server', (span) => {
      const ctx = current();
      expect(ctx?.traceId).toBe(span.spanContext().traceId);
      expect(ctx?.spanId).toBe(span.spanContext().spanId);
      expect(current()).toBe(ctx); // mapped once per span
      span.end();
    });
  });

  it('inside a child span with the same trace id, the child span id wins; fields stay', () => {
    otel.tracer.startActiveSpan('server', (server) => {
      const base = createTraceContext({
        ...fromSpanContext(server.spanContext())!,
        requestId: 'r1',
        fields: { tenant: 't' },
      });
      run(base, () => {
        expect(current()).toBe(base);
        otel.tracer.startActiveSpan('db', (child) => {
          const inChild = current();
          expect(inChild).toMatchObject({
            traceId: base.traceId,
            spanId: child.spanContext().spanId,
            requestId: 'r1',
            fields: { tenant: 't' },
          });
          child.end();
        });
      });
      server.end();
    });
  });

  it('a span of another trace does not override the store', () => {
    const mine = newTraceContext();
    otel.tracer.startActiveSpan('unrelated', (span) => {
      run(mine, () => expect(current()).toBe(mine));
      span.end();
    });
  });

  it('a remote (incoming) span context is a parent, never the current span', () => {
    const mine = newTraceContext();
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: mine.traceId,
      spanId: 'aaaaaaaaaaaaaaaa',
      traceFlags: 1,
      isRemote: true,
    });
    context.with(remote, () => run(mine, () => expect(current()).toBe(mine)));
  });

  it('bind re-enters the OTel context too: spans started later are children of the captured span', () => {
    let bound: () => string | undefined = () => undefined;
    let serverSpanId = '';
    otel.tracer.startActiveSpan('server', (span) => {
      serverSpanId = span.spanContext().spanId;
      bound = bind(() => trace.getActiveSpan()?.spanContext().spanId);
      span.end();
    });
    otel.tracer.startActiveSpan('foreign', (foreign) => {
      expect(bound()).toBe(serverSpanId);
      foreign.end();
    });
  });

  it('run with a context derived from a span enters that span again from a foreign context', () => {
    let captured: ReturnType<typeof current>;
    let serverSpanId = '';
    otel.tracer.startActiveSpan('server', (span) => {
      serverSpanId = span.spanContext().spanId;
      captured = current();
      span.end();
    });
    run(captured, () => {
      expect(trace.getActiveSpan()?.spanContext().spanId).toBe(serverSpanId);
      otel.tracer.startActiveSpan('child', (child) => {
        expect(child.spanContext().traceId).toBe(captured?.traceId);
        child.end();
      });
    });
  });

  it('bind with an explicit context never seen by OTel gives OTel a non-recording parent with its ids', () => {
    const ctx = newTraceContext();
    const bound = bind(() => {
      let parentTrace = '';
      otel.tracer.startActiveSpan('child', (child) => {
        parentTrace = child.spanContext().traceId;
        child.end();
      });
      return [current()?.traceId, parentTrace];
    }, ctx);
    expect(bound()).toEqual([ctx.traceId, ctx.traceId]);
  });
});
