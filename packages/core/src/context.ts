import { isValidSpanId, isValidTraceId, randomSpanId, randomTraceId } from './ids.js';
import { attachOtelHolder, brandedObject, isBranded } from './store.js';
import { isValidTraceState } from './w3c/tracestate.js';

/** The sampled bit of W3C `trace-flags`. */
export const FLAG_SAMPLED = 0x01;
/** The random-trace-id bit of W3C Trace Context Level 2 `trace-flags`. */
export const FLAG_RANDOM = 0x02;

/**
 * The immutable value tracebridge keeps per request (or per unit of work): the ids every
 * log line written in it carries. Create one with {@link createTraceContext},
 * {@link newTraceContext} or {@link childContext}; "changing" one returns a new value.
 *
 * @example
 * const ctx = newTraceContext();
 * run(ctx, () => logger.info('carries ctx.traceId'));
 */
export interface TraceContext {
  /** 32 lowercase hex digits, never all zero. */
  readonly traceId: string;
  /** 16 lowercase hex digits, never all zero: the span this work runs in. */
  readonly spanId: string;
  /** W3C trace-flags as a number (bit 0 sampled, bit 1 random trace id). */
  readonly traceFlags: number;
  /** The W3C `tracestate` header value, already validated. */
  readonly traceState?: string;
  /** The span id of the caller, when this context continues an incoming trace. */
  readonly parentSpanId?: string;
  /** An application request id (for example from `x-request-id`). */
  readonly requestId?: string;
  /** Extra fields every log line written in this context should carry. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** What {@link createTraceContext} accepts: a {@link TraceContext} shape, not yet checked. */
export interface TraceContextInit {
  traceId: string;
  spanId: string;
  traceFlags?: number;
  traceState?: string | undefined;
  parentSpanId?: string | undefined;
  requestId?: string | undefined;
  fields?: Readonly<Record<string, unknown>> | undefined;
}

function fail(message: string): never {
  throw new TypeError(`@tracebridge/core: ${message}`);
}

/**
 * Freezes an already-valid init into a branded context, without checking it again (for
 * values this library made or checked itself).
 * `otelContext`: the OpenTelemetry Context the ids came from, entered again with them.
 */
export function sealContext(init: TraceContextInit, otelContext?: unknown): TraceContext {
  const ctx = brandedObject();
  ctx.traceId = init.traceId;
  ctx.spanId = init.spanId;
  ctx.traceFlags = init.traceFlags ?? 0;
  if (init.traceState !== undefined) ctx.traceState = init.traceState;
  if (init.parentSpanId !== undefined) ctx.parentSpanId = init.parentSpanId;
  if (init.requestId !== undefined) ctx.requestId = init.requestId;
  if (init.fields !== undefined) ctx.fields = Object.freeze({ ...init.fields });
  attachOtelHolder(ctx, otelContext);
  return Object.freeze(ctx) as unknown as TraceContext;
}

/**
 * Checks `init` and returns it as an immutable {@link TraceContext}. Throws a `TypeError`
 * naming the bad field: invalid ids never reach a log line or a header.
 *
 * @example
 * const ctx = createTraceContext({
 *   traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
 *   spanId: '00f067aa0ba902b7',
 *   traceFlags: 1,
 *   fields: { tenant: 'acme' },
 * });
 */
export function createTraceContext(init: TraceContextInit): TraceContext {
  if (typeof init !== 'object' || init === null) {
    fail(`createTraceContext() expects an object with traceId and spanId, got ${typeof init}`);
  }
  if (isBranded(init)) return init as TraceContext;
  if (!isValidTraceId(init.traceId)) {
    fail(`traceId must be 32 lowercase hex digits, not all zero (got ${describe(init.traceId)})`);
  }
  if (!isValidSpanId(init.spanId)) {
    fail(`spanId must be 16 lowercase hex digits, not all zero (got ${describe(init.spanId)})`);
  }
  const flags = init.traceFlags ?? 0;
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xff) {
    fail(`traceFlags must be an integer from 0 to 255 (got ${describe(flags)})`);
  }
  if (init.traceState !== undefined && !isValidTraceState(init.traceState)) {
    fail(`traceState is not a valid W3C tracestate value (got ${describe(init.traceState)})`);
  }
  if (init.parentSpanId !== undefined && !isValidSpanId(init.parentSpanId)) {
    fail(`parentSpanId must be 16 lowercase hex digits (got ${describe(init.parentSpanId)})`);
  }
  if (init.requestId !== undefined && typeof init.requestId !== 'string') {
    fail(`requestId must be a string (got ${describe(init.requestId)})`);
  }
  if (init.fields !== undefined && (typeof init.fields !== 'object' || init.fields === null)) {
    fail(`fields must be an object (got ${describe(init.fields)})`);
  }
  return sealContext({ ...init, traceFlags: flags });
}

/**
 * Whether `value` is a {@link TraceContext} made by this library (or one that passes its
 * checks).
 *
 * @example
 * if (isTraceContext(value)) run(value, work);
 */
export function isTraceContext(value: unknown): value is TraceContext {
  if (isBranded(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  try {
    createTraceContext(value as TraceContextInit);
    return true;
  } catch {
    return false;
  }
}

/**
 * A context for a new trace: random trace and span ids, the random flag set, sampled
 * unless `sampled: false`.
 *
 * @example
 * run(newTraceContext(), () => processJob(job));
 */
export function newTraceContext(
  options: {
    sampled?: boolean;
    requestId?: string;
    fields?: Readonly<Record<string, unknown>>;
  } = {},
): TraceContext {
  return sealContext({
    traceId: randomTraceId(),
    spanId: randomSpanId(),
    traceFlags: FLAG_RANDOM | (options.sampled === false ? 0 : FLAG_SAMPLED),
    requestId: options.requestId,
    fields: options.fields,
  });
}

/**
 * A context for a new span in the same trace: same trace id, flags, state, request id and
 * fields; a new span id whose parent is `parent.spanId`.
 *
 * @example
 * const hop = childContext(current()!); // for work that should get its own span id
 */
export function childContext(parent: TraceContext): TraceContext {
  const p = createTraceContext(parent);
  return sealContext({
    traceId: p.traceId,
    spanId: randomSpanId(),
    traceFlags: p.traceFlags,
    traceState: p.traceState,
    parentSpanId: p.spanId,
    requestId: p.requestId,
    fields: p.fields,
  });
}

/**
 * A copy of `ctx` whose `fields` also hold `fields` (later keys win). The original is
 * unchanged.
 *
 * @example
 * run(withFields(current()!, { userId }), () => handle(req));
 */
export function withFields(
  ctx: TraceContext,
  fields: Readonly<Record<string, unknown>>,
): TraceContext {
  const base = createTraceContext(ctx);
  if (typeof fields !== 'object' || fields === null) {
    fail(`withFields() expects an object of fields, got ${describe(fields)}`);
  }
  return sealContext({ ...base, fields: { ...base.fields, ...fields } });
}

export function describe(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  }
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return typeof value === 'function' ? 'a function' : String(value);
}
