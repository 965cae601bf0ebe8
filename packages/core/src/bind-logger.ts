import type { TraceContext } from './context.js';
import { boundContext, current, run } from './current.js';
import { stampRecord } from './log-record.js';
import { bindChild } from './pino-child.js';
import { type FieldsWriter, traceFieldsWriter } from './trace-fields.js';

/** A Winston-style logger: every record goes through `write(info)`. */
export interface WritableLogger {
  write(info: unknown, ...rest: unknown[]): unknown;
}

/** A pino-style logger: no `write`, but `child(bindings)`. */
export interface ChildLogger {
  child(bindings: Record<string, unknown>): unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isWritable(logger: unknown): logger is WritableLogger {
  return isObject(logger) && typeof logger.write === 'function';
}

/**
 * Whether {@link bindLogger} can bind `logger`: a Winston logger (write) or a pino-style one
 * (child). Adapters check their `logger` option with it, once.
 *
 * @example
 * if (!isBindableLogger(options.logger)) throw new TypeError('logger must be winston or pino');
 */
export function isBindableLogger(logger: unknown): logger is WritableLogger | ChildLogger {
  return isWritable(logger) || (isObject(logger) && typeof logger.child === 'function');
}

let warned = false;

// OpenTelemetry's names (trace_id, span_id, trace_flags, request_id) and the context's
// fields; a pino child's ids replace any a mixin wrote (see bindChild).
const defaultFields = traceFieldsWriter(
  {},
  (message) => {
    throw new TypeError(message);
  },
  true,
);

/**
 * Calls `write` and keeps a throwing transport from throwing into the code that logged (a
 * request handler, a late callback): the error goes to the logger's 'error' listeners, or —
 * with none — to one process warning.
 */
export function guardedWrite(
  logger: unknown,
  write: WritableLogger['write'],
  thisArg: unknown,
  info: unknown,
  encoding: unknown,
  callback: unknown,
): unknown {
  try {
    return write.call(thisArg, info, encoding, callback);
  } catch (error) {
    reportWriteError(logger, error);
    return false;
  }
}

function reportWriteError(logger: unknown, error: unknown): void {
  const emitter = logger as {
    listenerCount?(event: string): number;
    emit?(event: string, error: unknown): boolean;
  };
  if (typeof emitter.listenerCount === 'function' && emitter.listenerCount('error') > 0) {
    emitter.emit?.('error', error);
    return;
  }
  if (warned) return;
  warned = true;
  const message = error instanceof Error ? error.message : String(error);
  process.emitWarning(
    `@tracebridge/core: a log write threw (${message}); the caller went on. Listen to the ` +
      "logger's 'error' event to see every such failure.",
    { code: 'TRACEBRIDGE_LOG_WRITE_FAILED' },
  );
}

/**
 * A logger whose records always carry `ctx` (default: the context current now), wherever
 * it is called from — safe in any callback, however late, even one that a shared pool or
 * bus fires in another request's context. `child()` of it keeps `ctx`.
 *
 * A Winston logger gets a child as Winston makes its own (an object inheriting from the
 * logger, with a `write` of its own): each record is marked with `ctx` when it is written,
 * and written inside `ctx`, so that anything reading the active context at that moment
 * (OpenTelemetry's instrumentation-winston) agrees. A pino-style logger (no `write`, a
 * `child()`) gets a child whose own log formatter writes the ids at each call (`trace_id`,
 * `span_id`, `trace_flags`, `request_id`), naming the child span a line is written in; one
 * made by `createPinoLogger` gets a child its mixin reads the context from.
 *
 * @example
 * app.use((req, res, next) => {
 *   req.log = bindLogger(logger);
 *   next();
 * });
 * pool.query(sql, () => req.log.info('query done')); // this request's ids
 */
export function bindLogger<L extends WritableLogger | ChildLogger>(
  logger: L,
  ctx: TraceContext | undefined = current(),
): L {
  if (isWritable(logger)) return bindWritable(logger, ctx) as L;
  if (isObject(logger) && typeof logger.child === 'function') {
    return bindChild(logger as ChildLogger, ctx, defaultFields) as L;
  }
  throw new TypeError(
    '@tracebridge/core: bindLogger(logger) expects a Winston logger (an object with write()) ' +
      'or a pino-style logger (child())',
  );
}

/**
 * A Winston-style logger bound to `ctx` (see bindLogger); with `writeFields`, the ids are
 * also written onto each record as fields, for a logger whose format does not write them.
 */
export function bindWritable(
  logger: WritableLogger,
  ctx: TraceContext | undefined,
  writeFields?: FieldsWriter,
): WritableLogger {
  const bound = Object.create(logger) as WritableLogger;
  bound.write = function boundWrite(info: unknown, encoding?: unknown, callback?: unknown) {
    // Inside a child span of the bound request, the line names that span.
    const now = boundContext(ctx);
    stampRecord(info, now);
    if (writeFields !== undefined && now !== undefined && isObject(info)) {
      writeFields(info, now);
    }
    const write = logger.write;
    if (now === undefined || now !== ctx || current() === ctx) {
      return guardedWrite(logger, write, logger, info, encoding, callback);
    }
    return run(ctx, guardedWrite, logger, write, logger, info, encoding, callback);
  };
  return bound;
}
