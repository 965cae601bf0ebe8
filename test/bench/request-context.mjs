// What the log-call benchmarks run their calls in: the context a request would have, with or
// without an OpenTelemetry SDK.
import { createRequire } from 'node:module';
import { fromSpanContext, newTraceContext, run } from '@tracebridge/core';

const require = createRequire(import.meta.url);

/** An OpenTelemetry SDK as an instrumented service runs one (a context manager and a tracer
 * provider, no exporter); returns its tracer. */
export function startOtelSdk() {
  const { context, trace } = require('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
  const { BasicTracerProvider } = require('@opentelemetry/sdk-trace-base');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider());
  return trace.getTracer('bench');
}

/** Runs `fn(ctx)` inside a request's context: an active span of `tracer`'s when there is an
 * SDK, and the tracebridge context a request would have. */
export function inRequest(tracer, fn) {
  if (tracer === undefined) {
    const ctx = newTraceContext();
    return run(ctx, () => fn(ctx));
  }
  return tracer.startActiveSpan('request', (span) => {
    const ctx = fromSpanContext(span.spanContext());
    try {
      return run(ctx, () => fn(ctx));
    } finally {
      span.end();
    }
  });
}
