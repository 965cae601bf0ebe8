import {
  type Context,
  context,
  createTraceState,
  isSpanContextValid,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  trace,
} from '@opentelemetry/api';
import { createTraceContext, sealContext, type TraceContext } from './context.js';
import { linkedOtelContext } from './store.js';
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

const OTEL_API_GLOBAL = Symbol.for('opentelemetry.js.api.1');

type OtelGlobals = { context?: unknown; propagation?: unknown };

/** The OpenTelemetry API's registered globals (it keeps them under this well-known key). */
function otelGlobals(): OtelGlobals | undefined {
  return (globalThis as Record<symbol, OtelGlobals | undefined>)[OTEL_API_GLOBAL];
}

/**
 * Whether an OpenTelemetry context manager is registered. Without one, entering an OTel
 * Context does nothing: skip the work.
 */
function otelContextManagerRegistered(): boolean {
  return otelGlobals()?.context !== undefined;
}

/**
 * Whether an OpenTelemetry propagator may be registered: without the API's global entry for
 * one, the API's own lookup (a version check and the no-op propagator) can be skipped.
 */
export function otelPropagatorMayBeRegistered(): boolean {
  return otelGlobals()?.propagation !== undefined;
}

// @opentelemetry/core's RPC metadata key (createContextKey is Symbol.for of its name): the
// HTTP instrumentation keeps the server span there, and framework instrumentations read it.
const RPC_METADATA = Symbol.for('OpenTelemetry SDK Context Key RPC_METADATA');

/**
 * The span a request runs in and the OTel Context that makes it active: the HTTP server
 * span an instrumentation recorded (even under a framework's middleware span), else the
 * active span. `undefined` when neither is valid.
 */
export function activeRequestSpan():
  | { spanContext: SpanContext; otelContext: Context }
  | undefined {
  if (!otelContextManagerRegistered()) return undefined;
  const active = context.active();
  const rpc = active.getValue(RPC_METADATA) as
    | { span?: { spanContext?: () => SpanContext } }
    | undefined;
  const server = rpc?.span;
  if (server !== undefined && typeof server.spanContext === 'function') {
    const spanContext = server.spanContext();
    if (isSpanContextValid(spanContext)) {
      const activeSpan = trace.getSpan(active);
      const otelContext =
        activeSpan === server ? active : trace.setSpan(active, server as unknown as Span);
      return { spanContext, otelContext };
    }
  }
  const spanContext = activeSpanContext();
  return spanContext === undefined ? undefined : { spanContext, otelContext: active };
}

/** The active OTel span's context, when it is valid. */
export function activeSpanContext(): SpanContext | undefined {
  // Without a context manager no span can be active: skip the API's lookups (every log line
  // asks).
  if (!otelContextManagerRegistered()) return undefined;
  const span = trace.getSpan(context.active());
  if (span === undefined) return undefined;
  const spanContext = span.spanContext();
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/**
 * The OTel Context to enter together with `ctx`: the one it was derived from, else (when a
 * context manager is registered) a root context whose span context is `ctx`, so that spans
 * started inside become its children. `undefined`: nothing to enter.
 */
export function otelContextFor(ctx: TraceContext): Context | undefined {
  const linked = linkedOtelContext(ctx) as Context | undefined;
  if (linked !== undefined) return linked;
  if (!otelContextManagerRegistered()) return undefined;
  return trace.setSpanContext(ROOT_CONTEXT, toSpanContext(ctx, true));
}

/**
 * Runs `fn` in the OTel Context that belongs to `ctx` (see otelContextFor), unless it is
 * already active. With no OTel context manager registered this is a plain call.
 */
export function withOtelContext<A extends unknown[], R>(
  ctx: TraceContext | undefined,
  fn: (...args: A) => R,
  args: A,
): R {
  if (ctx === undefined) return call(fn, args);
  const target = otelContextFor(ctx);
  if (target === undefined || target === context.active()) return call(fn, args);
  return context.with(target, fn, undefined, ...args);
}

/** `fn(...args)`, with no spread for no arguments (a spread is a builtin call of its own). */
function call<A extends unknown[], R>(fn: (...args: A) => R, args: A): R {
  return args.length === 0 ? (fn as () => R)() : fn(...args);
}
