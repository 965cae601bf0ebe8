import type { SpanContext } from '@opentelemetry/api';
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { createTraceContext, sealContext, type TraceContext } from './context.js';
import {
  activeSpanContext,
  activeSpanOfRequest,
  fromSpanContext,
  withOtelContext,
} from './otel.js';
import { isBranded, runStored, storedContext } from './store.js';

// current() runs for every log line: a span's SpanContext object lives as long as the span,
// so each is mapped once (and once per store it refines), not once per line.
const fromSpan = new WeakMap<SpanContext, TraceContext>();
const refined = new WeakMap<SpanContext, { base: TraceContext; value: TraceContext }>();

/**
 * The TraceContext of the code running now: the tracebridge store; with no store, the
 * active OpenTelemetry span; when both exist with one trace id, the store refined with the
 * active span's id (a log inside a child span names the child). `undefined` outside any
 * context — a normal state, not an error.
 *
 * @example
 * const ctx = current();
 * logger.info('hello', { trace_id: ctx?.traceId });
 */
export function current(): TraceContext | undefined {
  const stored = storedContext();
  if (stored === undefined) {
    const spanContext = activeSpanContext();
    return spanContext === undefined ? undefined : contextOfSpan(spanContext);
  }
  const spanContext = trace.getSpan(context.active())?.spanContext();
  // A remote span context is the caller's span — this service's parent, never a child. A
  // span of another trace, or the stored span itself, leaves the store as it is.
  if (
    spanContext === undefined ||
    spanContext.isRemote === true ||
    spanContext.traceId !== stored.traceId ||
    spanContext.spanId === stored.spanId ||
    !isSpanContextValid(spanContext)
  ) {
    return stored;
  }
  return refine(stored, spanContext);
}

/** `base` with the ids of `spanContext`, a span of its trace running now (made once per
 * span and base). */
function refine(base: TraceContext, spanContext: SpanContext): TraceContext {
  const cached = refined.get(spanContext);
  if (cached !== undefined && cached.base === base) return cached.value;
  const value = sealContext(
    {
      traceId: base.traceId,
      spanId: spanContext.spanId,
      traceFlags: spanContext.traceFlags & 0xff,
      traceState: base.traceState,
      requestId: base.requestId,
      fields: base.fields,
    },
    context.active(),
  );
  refined.set(spanContext, { base, value });
  return value;
}

/**
 * The context a logger bound to `ctx` writes with now: `ctx` itself, or — when the code runs
 * inside a span of the same request (a child span it started, an instrumentation's layer
 * span) — that span's ids. A span of another request, even one of the same trace, does not
 * count: a late callback fired from there still writes `ctx`'s ids.
 */
export function boundContext(ctx: TraceContext | undefined): TraceContext | undefined {
  if (ctx === undefined) return undefined;
  const spanContext = activeSpanOfRequest(ctx);
  return spanContext === undefined ? ctx : refine(ctx, spanContext);
}

function contextOfSpan(spanContext: SpanContext): TraceContext | undefined {
  let ctx = fromSpan.get(spanContext);
  if (ctx === undefined) {
    ctx = fromSpanContext(spanContext, {}, context.active());
    if (ctx === undefined) return undefined;
    fromSpan.set(spanContext, ctx);
  }
  return ctx;
}

/**
 * The current TraceContext as a value to keep in a closure — the "capture" fix: read the
 * ids in the synchronous part of the work, use them in any later callback.
 *
 * @example
 * const ctx = capture();
 * queue.push(job, () => logger.info('done', { trace_id: ctx?.traceId }));
 */
export function capture(): TraceContext | undefined {
  return current();
}

/**
 * Runs `fn(...args)` with `ctx` as the current context and returns its result. When `ctx`
 * was derived from an OpenTelemetry context (an active span), that context is entered too.
 * Pass `undefined` to run `fn` outside any tracebridge context.
 *
 * @example
 * run(newTraceContext(), async () => {
 *   logger.info('job started'); // carries the new trace id
 * });
 */
export function run<A extends unknown[], R>(
  ctx: TraceContext | undefined,
  fn: (...args: A) => R,
  ...args: A
): R {
  if (typeof fn !== 'function') {
    throw new TypeError(`@tracebridge/core: run(ctx, fn) expects a function, got ${typeof fn}`);
  }
  const checked = ctx === undefined || isBranded(ctx) ? ctx : createTraceContext(ctx);
  return runStored(checked, () => withOtelContext(checked, () => fn(...args)));
}
