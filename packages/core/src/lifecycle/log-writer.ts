import type { TraceContext } from '../context.js';
import { stampRecord } from '../log-capture.js';

/** A logger a request or error line can be written to: Winston-style
 * `log(level, message, meta)`, or pino-style `logger[level](meta, message)`. */
export type RequestLogger =
  | { log(level: string, message: string, meta: Record<PropertyKey, unknown>): unknown }
  | object;

/** Writes one line with the request's context attached. */
export interface LogWriter {
  (
    level: string,
    message: string,
    record: Record<PropertyKey, unknown>,
    ctx: TraceContext | undefined,
    traceFields: boolean,
  ): void;
  /** Whether the logger is Winston-style (its format writes the ids from the capture). */
  readonly winstonStyle: boolean;
}

/**
 * A writer for `logger`, checked now. The record is stamped with `ctx` (the symbols that
 * traceFormat and @opentelemetry/winston-transport read), and given the ids as fields
 * when `traceFields` is set (loggers with no tracebridge format).
 */
export function writerFor(
  logger: unknown,
  probeLevel: string,
  pkg = '@tracebridge/core',
): LogWriter {
  if (typeof logger !== 'object' || logger === null) {
    throw new TypeError(`${pkg}: a request log needs a logger (winston, pino or alike)`);
  }
  const target = logger as Record<string, unknown>;
  const log = target.log;
  const winstonStyle = typeof log === 'function';
  if (
    !winstonStyle &&
    typeof target[probeLevel] !== 'function' &&
    typeof target.info !== 'function'
  ) {
    throw new TypeError(
      `${pkg}: the logger needs log(level, message, meta) (winston) or level methods (pino)`,
    );
  }
  const write = (
    level: string,
    message: string,
    record: Record<PropertyKey, unknown>,
    ctx: TraceContext | undefined,
    traceFields: boolean,
  ) => {
    if (ctx !== undefined && traceFields) {
      record.trace_id = ctx.traceId;
      record.span_id = ctx.spanId;
      record.trace_flags = (ctx.traceFlags & 0xff).toString(16).padStart(2, '0');
      if (ctx.requestId !== undefined) record.request_id = ctx.requestId;
    }
    stampRecord(record, ctx, true);
    if (winstonStyle) {
      (log as (l: string, m: string, r: object) => unknown).call(logger, level, message, record);
      return;
    }
    const method = target[level];
    const fn = typeof method === 'function' ? method : target.info;
    if (typeof fn === 'function') fn.call(logger, record, message);
  };
  return Object.assign(write, { winstonStyle });
}
