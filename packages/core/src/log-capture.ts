import type { TraceContext } from './context.js';
import { otelContextFor } from './otel.js';

/** The symbol under which a log record carries the context captured when it was written. */
export const CAPTURED_CONTEXT = Symbol.for('@tracebridge/core.winston.context');
/** The symbol @opentelemetry/winston-transport reads a record's OTel Context from. */
export const OTEL_WINSTON_CONTEXT = Symbol.for('opentelemetry.js.contrib.winston.context');

/** Marks "captured, and there was no context" — distinct from "never captured". */
const NO_CONTEXT = Object.freeze({ none: true });

type Fields = Record<PropertyKey, unknown>;

/**
 * The context a record carries: `undefined` when it was never captured (read the current
 * context), `null` when it was captured outside any context (write no ids).
 */
export function capturedContext(info: unknown): TraceContext | null | undefined {
  if (typeof info !== 'object' || info === null) return undefined;
  const value = (info as Fields)[CAPTURED_CONTEXT];
  if (value === undefined) return undefined;
  return value === NO_CONTEXT ? null : (value as TraceContext);
}

/**
 * Marks a record (or the meta object a record is made from) with `ctx` and the matching
 * OTel Context. With `force`, an existing mark is replaced. Never throws.
 */
export function stampRecord(info: unknown, ctx: TraceContext | undefined, force: boolean): void {
  if (typeof info !== 'object' || info === null || !Object.isExtensible(info)) return;
  const record = info as Fields;
  if (!force && record[CAPTURED_CONTEXT] !== undefined) return;
  if (ctx !== undefined && (force || record[OTEL_WINSTON_CONTEXT] === undefined)) {
    const otelContext = otelContextFor(ctx);
    if (otelContext !== undefined) record[OTEL_WINSTON_CONTEXT] = otelContext;
  }
  // Enumerable on purpose: Winston copies meta and child records with Object.assign, which
  // skips non-enumerable keys. Added last, so that traceFormat's delete of it stays on V8's
  // fast path (deleting the last-added property keeps the object's shape).
  record[CAPTURED_CONTEXT] = ctx ?? NO_CONTEXT;
}

const FLAGS_HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** W3C trace-flags as the two lowercase hex digits log formats use. */
export function flagsHex(flags: number): string {
  return FLAGS_HEX[flags & 0xff] as string;
}

/** The ids as fields with OTel's names for non-OTLP logs, for loggers with no tracebridge
 * format (pino-style bindings, request lines written to them). */
export function idFields(ctx: TraceContext): Record<string, string> {
  const fields: Record<string, string> = {
    trace_id: ctx.traceId,
    span_id: ctx.spanId,
    trace_flags: flagsHex(ctx.traceFlags),
  };
  if (ctx.requestId !== undefined) fields.request_id = ctx.requestId;
  return fields;
}
