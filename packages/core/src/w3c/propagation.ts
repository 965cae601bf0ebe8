import { propagation, ROOT_CONTEXT, type TextMapGetter, trace } from '@opentelemetry/api';
import { FLAG_RANDOM, FLAG_SAMPLED, type TraceContext } from '../context.js';
import { current } from '../current.js';
import { isValidSpanId, isValidTraceId, randomSpanId } from '../ids.js';
import { parseTraceMetric } from './server-timing.js';
import { formatTraceParent, parseTraceParent, type TraceParent } from './traceparent.js';
import { normalizeTraceState, parseTraceState } from './tracestate.js';

/** The caller's position in a trace, as read from incoming headers. */
export interface RemoteParent {
  readonly traceId: string;
  /** The caller's span id: the parent of the work this service does. */
  readonly spanId: string;
  readonly traceFlags: number;
  readonly traceState?: string;
}

/** Plain header objects (`req.headers`), arrays of lines, or a fetch `Headers`. */
export type HeaderCarrier =
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | { get(name: string): string | null };

function isHeadersObject(carrier: HeaderCarrier): carrier is { get(name: string): string | null } {
  return typeof (carrier as { get?: unknown }).get === 'function';
}

function header(
  carrier: HeaderCarrier,
  name: string,
  lowercased = false,
): string | readonly string[] | undefined {
  if (isHeadersObject(carrier)) return carrier.get(name) ?? undefined;
  const value = carrier[name];
  if (value !== undefined || lowercased) return value;
  // Node lower-cases incoming names; a hand-made object may not.
  for (const key of Object.keys(carrier)) {
    if (key.toLowerCase() === name) return carrier[key];
  }
  return undefined;
}

function getterOf(lowercased: boolean): TextMapGetter<HeaderCarrier> {
  return {
    keys: (carrier) => (isHeadersObject(carrier) ? [] : Object.keys(carrier)),
    get: (carrier, key) => {
      const value = header(carrier, key.toLowerCase(), lowercased);
      return value === undefined ? undefined : (value as string | string[]);
    },
  };
}
const getters = [getterOf(false), getterOf(true)] as const;

function hasGlobalPropagator(): boolean {
  // The API's no-op propagator declares no fields; any registered one declares its headers.
  return propagation.fields().length > 0;
}

/**
 * Reads the caller's trace position from incoming headers: through the globally registered
 * OpenTelemetry propagator when there is one, else with tracebridge's strict W3C parser
 * (`traceparent`, plus `tracestate` — dropped whole when invalid). `undefined` when there
 * is no valid parent; never throws on bad input.
 *
 * @example
 * const parent = extract(req.headers);
 * if (parent) console.log(parent.traceId, parent.spanId);
 */
export function extract(headers: HeaderCarrier | null | undefined): RemoteParent | undefined {
  return extractFrom(headers, false);
}

/** {@link extract} for Node's `req.headers`, whose names Node has lower-cased already: an
 * absent header is not looked for under other spellings. */
export function extractIncoming(
  headers: HeaderCarrier | null | undefined,
): RemoteParent | undefined {
  return extractFrom(headers, true);
}

function extractFrom(
  headers: HeaderCarrier | null | undefined,
  lowercased: boolean,
): RemoteParent | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  try {
    return hasGlobalPropagator()
      ? extractWithPropagator(headers, lowercased)
      : extractW3C(headers, lowercased);
  } catch {
    return undefined;
  }
}

function extractW3C(headers: HeaderCarrier, lowercased: boolean): RemoteParent | undefined {
  const rawParent = header(headers, 'traceparent', lowercased);
  // Several traceparent lines: the caller is confused about its parent; start afresh.
  const parent = parseTraceParent(Array.isArray(rawParent) ? undefined : rawParent);
  if (parent === undefined) return undefined;
  const rawState = header(headers, 'tracestate', lowercased);
  const traceState = rawState === undefined ? undefined : normalizeTraceState(rawState);
  const result: { -readonly [K in keyof RemoteParent]: RemoteParent[K] } = {
    traceId: parent.traceId,
    spanId: parent.spanId,
    traceFlags: parent.traceFlags,
  };
  if (traceState !== undefined) result.traceState = traceState;
  return result;
}

function extractWithPropagator(
  headers: HeaderCarrier,
  lowercased: boolean,
): RemoteParent | undefined {
  const extracted = propagation.extract(ROOT_CONTEXT, headers, getters[lowercased ? 1 : 0]);
  const spanContext = trace.getSpanContext(extracted);
  if (
    spanContext === undefined ||
    !isValidTraceId(spanContext.traceId) ||
    !isValidSpanId(spanContext.spanId)
  ) {
    return undefined;
  }
  const flags = Number.isInteger(spanContext.traceFlags) ? spanContext.traceFlags & 0xff : 0;
  // OTel's TraceState repairs a bad header by dropping members; an invalid tracestate is
  // dropped whole here, and what the propagator kept is re-checked before it can reach a
  // header.
  const raw = header(headers, 'tracestate', lowercased);
  const traceState =
    raw !== undefined && parseTraceState(raw) === undefined
      ? undefined
      : normalizeTraceState(spanContext.traceState?.serialize());
  const result: { -readonly [K in keyof RemoteParent]: RemoteParent[K] } = {
    traceId: spanContext.traceId,
    spanId: spanContext.spanId,
    traceFlags: flags,
  };
  if (traceState !== undefined) result.traceState = traceState;
  return result;
}

/**
 * The headers {@link traceHeaders} returns: `traceparent` and, when the context has one,
 * `tracestate`. A record of strings, so that it goes as it is into `fetch`, `http.request`
 * or any client's headers, alone or spread among others.
 */
export type TraceHeaders = Record<string, string> & { traceparent?: string; tracestate?: string };

/**
 * Headers for an outgoing call made in `ctx` (default: the current context): a
 * `traceparent` with a fresh parent id for each call (the call is a new child of this
 * span) and the context's `tracestate`. An empty object when there is no context.
 *
 * @example
 * await fetch(url, { headers: { ...traceHeaders(), accept: 'application/json' } });
 */
export function traceHeaders(ctx: TraceContext | undefined = current()): TraceHeaders {
  if (ctx === undefined) return {};
  const result: TraceHeaders = {
    traceparent: formatTraceParent({
      traceId: ctx.traceId,
      spanId: randomSpanId(),
      traceFlags: ctx.traceFlags & (FLAG_SAMPLED | FLAG_RANDOM),
    }),
  };
  const traceState = normalizeTraceState(ctx.traceState);
  if (traceState !== undefined) result.tracestate = traceState;
  return result;
}

/**
 * The trace a server reported on its response — for a client that wants to log or show
 * the id of a call it made: the `trace` metric of `Server-Timing` (W3C Trace Context's
 * current response binding), else the older `traceresponse` header. `undefined` when
 * neither is there or valid; never throws.
 *
 * @example
 * const response = await fetch(url, { headers: traceHeaders() });
 * logger.info('called', { callee_trace_id: traceFromResponse(response.headers)?.traceId });
 */
export function traceFromResponse(
  headers: HeaderCarrier | null | undefined,
): TraceParent | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  try {
    const fromTiming = parseTraceMetric(header(headers, 'server-timing'));
    if (fromTiming !== undefined) return fromTiming;
    const legacy = header(headers, 'traceresponse');
    const parsed = parseTraceParent(Array.isArray(legacy) ? undefined : legacy);
    return parsed?.version === 0 ? parsed : undefined;
  } catch {
    return undefined;
  }
}
