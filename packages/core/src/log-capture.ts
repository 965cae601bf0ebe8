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
 * The context a record carries: `undefined` when it was never captured — or when it is being
 * formatted inside the very write() that captured it, where the current context is the
 * captured one (read the current context) — `null` when it was captured outside any context
 * (write no ids).
 */
export function capturedContext(info: unknown): TraceContext | null | undefined {
  if (typeof info !== 'object' || info === null) return undefined;
  const value = (info as Fields)[CAPTURED_CONTEXT];
  if (value === undefined) return undefined;
  return value === NO_CONTEXT ? null : (value as TraceContext);
}

/**
 * The record captureOnWrite is handing to Winston's stream right now, and its context.
 * Winston runs the formats inside write() unless its stream is buffering behind a slow
 * transport; traceFormat takes the context from here then, and the record is never stamped
 * (a symbol added and deleted again on every log call). A record no format took during
 * write() is stamped right after it, before Winston gets back to it.
 */
export const handed: { record: unknown; context: TraceContext | null } = {
  record: undefined,
  context: null,
};

/**
 * Marks a logger `write` that passes a handed record on untouched: captureOnWrite's, over a
 * logger with no `write` of its own, so the record reaches the formats as it is (a wrapper
 * of the user's may copy it, and a copy is not the handed record: it needs the stamp).
 * A writer that holds the context of a record (the request line's) hands it over through
 * such a write instead of stamping it. Not Symbol.for: another copy of core has a `handed`
 * of its own.
 */
export const kPassesHanded = Symbol('@tracebridge/core.passesHanded');

/** Hands `info` over with `ctx` to the formats its write runs now. The caller keeps what
 * was handed before (`handed.record`, `handed.context`: hand-overs nest, a transport may log)
 * and ends it with endHandOver in a `finally`. */
export function handOver(info: unknown, ctx: TraceContext | undefined): void {
  handed.record = info;
  handed.context = ctx ?? null;
}

/** Ends a hand-over: what was handed before is back, and `info`, if no format took it during
 * the write (they run later, behind a buffering stream), is stamped now (`force`: over an
 * existing stamp). */
export function endHandOver(
  info: unknown,
  ctx: TraceContext | undefined,
  force: boolean,
  previousRecord: unknown,
  previousContext: TraceContext | null,
): void {
  const taken = handed.record !== info;
  handed.record = previousRecord;
  handed.context = previousContext;
  if (!taken) stampRecord(info, ctx, force);
}

/**
 * The context handed over with `info` by the write now in progress, once: `undefined` when
 * `info` is not that record.
 */
export function takeHandedContext(info: unknown): TraceContext | null | undefined {
  if (info !== handed.record || info === undefined) return undefined;
  handed.record = undefined;
  return handed.context;
}

/** Stamps only the OTel Context @opentelemetry/winston-transport reads (transports can run
 * later than the formats, after the stream drained); with `force`, over an existing one. */
export function stampOtelContext(
  info: unknown,
  ctx: TraceContext | undefined,
  force = false,
): void {
  if (ctx === undefined || typeof info !== 'object' || info === null) return;
  const record = info as Fields;
  if (!force && record[OTEL_WINSTON_CONTEXT] !== undefined) return;
  const otelContext = otelContextFor(ctx);
  if (otelContext !== undefined && Object.isExtensible(record))
    record[OTEL_WINSTON_CONTEXT] = otelContext;
}

/**
 * Marks a record (or the meta object a record is made from) with `ctx` and the matching
 * OTel Context. With `force`, an existing mark is replaced. Never throws.
 */
export function stampRecord(info: unknown, ctx: TraceContext | undefined, force: boolean): void {
  if (typeof info !== 'object' || info === null || !Object.isExtensible(info)) return;
  const record = info as Fields;
  if (!force && record[CAPTURED_CONTEXT] !== undefined) return;
  stampOtelContext(record, ctx, force);
  // Enumerable on purpose: Winston copies meta and child records with Object.assign, which
  // skips non-enumerable keys. Added last, so that traceFormat's removal of it keeps the
  // record in V8's fast mode (see clearCapture in winston/format.ts).
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
