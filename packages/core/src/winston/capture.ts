import type { TraceContext } from '../context.js';
import { current, run } from '../current.js';
import {
  capturedContext,
  endHandOver,
  handed,
  handOver,
  idFields,
  kPassesHanded,
  stampRecord as stamp,
  stampOtelContext,
} from '../log-capture.js';

const kWrapped = Symbol.for('@tracebridge/core.winston.captureOnWrite');

type Record_ = Record<PropertyKey, unknown>;

let warned = false;

/**
 * A transport that throws inside `write` must not throw into the code that logged (a
 * request handler, a late callback): the error goes to the logger's 'error' listeners, or
 * — with none — to one process warning.
 */
function guardedWrite(
  logger: unknown,
  write: WritableLogger['write'] | undefined,
  thisArg: unknown,
  info: unknown,
  encoding: unknown,
  callback: unknown,
): unknown {
  // Fixed arity (a stream's write takes at most chunk, encoding, callback): no rest array
  // on the hot path.
  try {
    return write?.call(thisArg, info, encoding, callback);
  } catch (error) {
    report(logger, error);
    return false;
  }
}

function report(logger: unknown, error: unknown): void {
  const emitter = logger as {
    listenerCount?(e: string): number;
    emit?(e: string, err: unknown): boolean;
  };
  if (typeof emitter.listenerCount === 'function' && emitter.listenerCount('error') > 0) {
    emitter.emit?.('error', error);
  } else if (!warned) {
    warned = true;
    process.emitWarning(
      `@tracebridge/core/winston: a log write threw (${error instanceof Error ? error.message : String(error)}); the caller went on. Listen to the logger's 'error' event to see every such failure.`,
      { code: 'TRACEBRIDGE_LOG_WRITE_FAILED' },
    );
  }
}

/** The part of a Winston logger that capture relies on: every record goes through write. */
export interface WritableLogger {
  write(info: unknown, ...rest: unknown[]): unknown;
}

function checkLogger(logger: unknown, name: string): asserts logger is WritableLogger {
  if (
    typeof logger !== 'object' ||
    logger === null ||
    typeof (logger as { write?: unknown }).write !== 'function'
  ) {
    throw new TypeError(
      `@tracebridge/core/winston: ${name}(logger) expects a Winston logger (an object with write())${name === 'bindLogger' ? ' or a pino-style logger (child())' : ''}; create one with createLogger()`,
    );
  }
}

/**
 * Makes `logger` (and the children it makes from now on, and those it made before) capture
 * the current trace context on every record at the moment it is written — when
 * `logger.info()` is called — so formats that Winston runs later, after a slow transport
 * drained, still see this call's ids. Also stamps the OTel Context that
 * `@opentelemetry/winston-transport` reads. Wraps `write` on this instance only: no Winston
 * prototype or global is touched. Calling it twice is harmless. A transport that throws
 * inside `write` no longer throws into the caller: the error goes to the logger's 'error'
 * listeners (or one process warning). Use the logger it returns:
 * for a Winston child (whose `write` cannot be replaced) that is a wrapper around it.
 *
 * @example
 * const logger = captureOnWrite(winston.createLogger({
 *   format: winston.format.combine(traceFormat(), winston.format.json()),
 *   transports: [new winston.transports.Console()],
 * }));
 */
export function captureOnWrite<L extends WritableLogger>(logger: L): L {
  checkLogger(logger, 'captureOnWrite');
  if ((logger as Record_)[kWrapped] === true && Object.hasOwn(logger, kWrapped)) return logger;
  const own = Object.hasOwn(logger, 'write') ? logger.write : undefined;
  const proto = Object.getPrototypeOf(logger) as WritableLogger | null;
  const write = function captureWrite(
    this: unknown,
    info: unknown,
    encoding?: unknown,
    callback?: unknown,
  ) {
    // Looked up per call, so a write patched on the prototype later (OTel's
    // instrumentation-winston) still runs.
    const next = own ?? proto?.write;
    // Handed over already, with its context (the request line's writer): passed on as it is.
    if (own === undefined && handed.record === info)
      return guardedWrite(logger, next, this, info, encoding, callback);
    // A record captured already (a bound logger's, a request line) keeps its mark; an own
    // write (someone's wrapper, which may copy the record) gets the record stamped first.
    if (capturedContext(info) !== undefined)
      return guardedWrite(logger, next, this, info, encoding, callback);
    if (own !== undefined) {
      stamp(info, current(), false);
      return guardedWrite(logger, next, this, info, encoding, callback);
    }
    const ctx = current();
    stampOtelContext(info, ctx);
    const previousRecord = handed.record;
    const previousContext = handed.context;
    handOver(info, ctx);
    try {
      return guardedWrite(logger, next, this, info, encoding, callback);
    } finally {
      endHandOver(info, ctx, false, previousRecord, previousContext);
    }
  };
  if (own === undefined) (write as unknown as Record_)[kPassesHanded] = true;
  const descriptor = Object.getOwnPropertyDescriptor(logger, 'write');
  if (descriptor === undefined || descriptor.configurable === true) {
    Object.defineProperty(logger, 'write', { configurable: true, writable: true, value: write });
    Object.defineProperty(logger, kWrapped, { value: true });
    return logger;
  }
  // Winston's child loggers hold a fixed `write`: wrap such a child in a logger of its own
  // (every method inherited), and return that one.
  return Object.create(logger, {
    write: {
      configurable: true,
      writable: true,
      value: function captureChildWrite(info: unknown, encoding?: unknown, callback?: unknown) {
        stamp(info, current(), false);
        return guardedWrite(logger, logger.write, logger, info, encoding, callback);
      },
    },
    [kWrapped]: { value: true },
  }) as L;
}

/**
 * Whether {@link bindLogger} can bind `logger`: a Winston logger (write) or a pino-style one
 * (child). Adapters check their `logger` option with it, once.
 *
 * @example
 * if (!isBindableLogger(options.logger)) throw new TypeError('logger must be winston or pino');
 */
export function isBindableLogger(logger: unknown): logger is WritableLogger | ChildLogger {
  return (
    typeof logger === 'object' &&
    logger !== null &&
    (typeof (logger as { write?: unknown }).write === 'function' ||
      typeof (logger as { child?: unknown }).child === 'function')
  );
}

/** A pino-style logger: no `write`, but `child(bindings)`. */
export interface ChildLogger {
  child(bindings: Record<string, unknown>): unknown;
}

/**
 * A child of `logger` whose records always carry `ctx` (default: the context current now),
 * wherever it is called from — Pattern A: safe in any callback, however late, even one a
 * shared pool or bus fires in another request's context. `child()` of it keeps `ctx`.
 * A pino-style logger (no `write`, a `child()`) gets a child with the ids as bindings
 * (`trace_id`, `span_id`, `trace_flags`, `request_id`).
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
  if (
    typeof logger === 'object' &&
    logger !== null &&
    typeof (logger as { write?: unknown }).write !== 'function' &&
    typeof (logger as { child?: unknown }).child === 'function'
  ) {
    return (logger as ChildLogger).child(idBindings(ctx)) as L;
  }
  checkLogger(logger, 'bindLogger');
  const fixed = ctx;
  const target = logger as WritableLogger;
  // Object.create, then a plain assignment: creating with a descriptor map is several times
  // slower, and this runs once per request.
  const bound = Object.create(target) as WritableLogger;
  bound.write = function boundWrite(
    this: unknown,
    info: unknown,
    encoding?: unknown,
    callback?: unknown,
  ) {
    stamp(info, fixed, true);
    // Prototype-level hooks that read the active context at write time (OTel's
    // instrumentation-winston) see the bound context too, so ids stay consistent.
    if (fixed !== undefined && current() !== fixed) {
      try {
        return run(fixed, () => target.write(info, encoding, callback));
      } catch (error) {
        report(target, error);
        return false;
      }
    }
    return guardedWrite(target, target.write, target, info, encoding, callback);
  };
  return bound as L;
}

function idBindings(ctx: TraceContext | undefined): Record<string, unknown> {
  return ctx === undefined ? {} : idFields(ctx);
}
