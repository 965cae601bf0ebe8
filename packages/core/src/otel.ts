import {
  type Context,
  context,
  createContextKey,
  createTraceState,
  isSpanContextValid,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  trace,
} from '@opentelemetry/api';
import { createTraceContext, sealContext, type TraceContext } from './context.js';
import { otelContextOf, setOtelContextOf } from './store.js';
import { normalizeTraceState } from './w3c/tracestate.js';

/**
 * Maps an OpenTelemetry `SpanContext` onto a {@link TraceContext}. Returns `undefined` for
 * an invalid span context (all-zero ids, as the API's no-op span has).
 *
 * @example
 * const ctx = fromSpanContext(trace.getActiveSpan()!.spanContext());
 */
export function fromSpanContext(
  spanContext: SpanContext,
  extra: {
    requestId?: string | undefined;
    fields?: Readonly<Record<string, unknown>> | undefined;
    parentSpanId?: string | undefined;
  } = {},
  otelContext?: Context,
): TraceContext | undefined {
  if (spanContext === null || typeof spanContext !== 'object') return undefined;
  if (!isSpanContextValid(spanContext)) return undefined;
  let traceState: string | undefined;
  try {
    traceState = normalizeTraceState(spanContext.traceState?.serialize());
  } catch {
    traceState = undefined;
  }
  return sealContext(
    {
      traceId: spanContext.traceId,
      spanId: spanContext.spanId,
      traceFlags: spanContext.traceFlags & 0xff,
      traceState,
      parentSpanId: extra.parentSpanId,
      requestId: extra.requestId,
      fields: extra.fields,
    },
    otelContext,
  );
}

/**
 * Maps a {@link TraceContext} onto an OpenTelemetry `SpanContext` (for
 * `trace.setSpanContext`, links, or a non-recording parent).
 *
 * @example
 * const parent = trace.setSpanContext(ROOT_CONTEXT, toSpanContext(ctx, true));
 * tracer.startActiveSpan('job', {}, parent, (span) => { … });
 */
export function toSpanContext(ctx: TraceContext, isRemote = false): SpanContext {
  const checked = createTraceContext(ctx);
  const spanContext: SpanContext = {
    traceId: checked.traceId,
    spanId: checked.spanId,
    traceFlags: checked.traceFlags,
    isRemote,
  };
  if (checked.traceState !== undefined) {
    spanContext.traceState = createTraceState(checked.traceState);
  }
  return spanContext;
}

// @opentelemetry/core's RPC metadata (its key is made with the API's createContextKey, which
// names it globally): the HTTP instrumentation keeps the server span there, and framework
// instrumentations read it.
const RPC_METADATA = createContextKey('OpenTelemetry SDK Context Key RPC_METADATA');

/**
 * The span a request runs in and the OTel Context that makes it active: the HTTP server
 * span an instrumentation recorded (even under a framework's middleware span), else the
 * active span. `undefined` when neither is valid (no SDK, or no span).
 */
export function activeRequestSpan():
  | { spanContext: SpanContext; otelContext: Context }
  | undefined {
  const active = context.active();
  const rpc = active.getValue(RPC_METADATA) as
    | { span?: { spanContext?: () => SpanContext } }
    | undefined;
  const server = rpc?.span;
  if (server !== undefined && typeof server.spanContext === 'function') {
    const spanContext = server.spanContext();
    if (isSpanContextValid(spanContext)) {
      const otelContext =
        trace.getSpan(active) === server ? active : trace.setSpan(active, server as Span);
      return { spanContext, otelContext };
    }
  }
  const spanContext = activeSpanContext();
  return spanContext === undefined ? undefined : { spanContext, otelContext: active };
}

/** The active OTel span's context, when there is a valid one. */
export function activeSpanContext(): SpanContext | undefined {
  const spanContext = trace.getSpan(context.active())?.spanContext();
  return spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** A root OTel Context whose (remote) span context is `ctx`'s ids. */
const rootWithIds = (ctx: TraceContext): Context =>
  trace.setSpanContext(ROOT_CONTEXT, toSpanContext(ctx, true));

/**
 * The OTel Context that belongs to `ctx`: the one it was derived from, else a root context
 * whose (remote) span context is `ctx`, so that spans started inside become its children.
 */
export function otelContextFor(ctx: TraceContext): Context {
  return otelContextOf(ctx, rootWithIds);
}

// Marks the OpenTelemetry Context a request runs in with the request's own context. Every
// context derived from it — a child span's, an instrumentation's layer span's — carries
// the mark; another request's does not. createContextKey names it globally: every copy of
// core reads the same key.
const REQUEST = createContextKey('@tracebridge/core.request');

/** Marks the OTel Context of `ctx`, a request's context, as that request's. */
export function markRequest(ctx: TraceContext): void {
  setOtelContextOf(ctx, otelContextFor(ctx).setValue(REQUEST, ctx));
}

/** Whether the active OTel Context belongs to the request whose context is `ctx`; then
 * the active span, if it is a span of this request's, else `undefined`. */
export function activeSpanOfRequest(ctx: TraceContext): SpanContext | undefined {
  const active = context.active();
  if (active.getValue(REQUEST) !== ctx) return undefined;
  const spanContext = trace.getSpan(active)?.spanContext();
  if (
    spanContext === undefined ||
    spanContext.traceId !== ctx.traceId ||
    spanContext.spanId === ctx.spanId ||
    !isSpanContextValid(spanContext)
  ) {
    return undefined;
  }
  return spanContext;
}

/** Runs `fn` in the OTel Context that belongs to `ctx` (see otelContextFor). */
export function withOtelContext<R>(ctx: TraceContext | undefined, fn: () => R): R {
  if (ctx === undefined) return fn();
  const target = otelContextFor(ctx);
  return target === context.active() ? fn() : context.with(target, fn);
}
