import type { TraceContext } from '../context.js';
import { current, run } from '../current.js';
import { stampRecord as stamp } from '../log-capture.js';

const kWrapped = Symbol.for('@tracebridge/core.winston.captureOnWrite');

type Record_ = Record<PropertyKey, unknown>;

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
      `@tracebridge/core/winston: ${name}(logger) expects a Winston logger (an object with write()); create one with winston.createLogger()`,
    );
  }
}

/**
 * Makes `logger` (and the children it makes from now on, and those it made before) capture
 * the current trace context on every record at the moment it is written — when
 * `logger.info()` is called — so formats that Winston runs later, after a slow transport
 * drained, still see this call's ids. Also stamps the OTel Context that
 * `@opentelemetry/winston-transport` reads. Wraps `write` on this instance only: no Winston
 * prototype or global is touched. Calling it twice is harmless. Use the logger it returns:
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
  const write = function captureWrite(this: unknown, info: unknown, ...rest: unknown[]) {
    stamp(info, current(), false);
    // Looked up per call, so a write patched on the prototype later (OTel's
    // instrumentation-winston) still runs.
    const next = own ?? proto?.write;
    return next?.call(this, info, ...rest);
  };
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
      value: function captureChildWrite(info: unknown, ...rest: unknown[]) {
        stamp(info, current(), false);
        return logger.write(info, ...rest);
      },
    },
    [kWrapped]: { value: true },
  }) as L;
}

/**
 * A child of `logger` whose records always carry `ctx` (default: the context current now),
 * wherever it is called from — Pattern A: safe in any callback, however late, even one a
 * shared pool or bus fires in another request's context. `child()` of it keeps `ctx`.
 *
 * @example
 * app.use((req, res, next) => {
 *   req.log = bindLogger(logger);
 *   next();
 * });
 * pool.query(sql, () => req.log.info('query done')); // this request's ids
 */
export function bindLogger<L extends WritableLogger>(
  logger: L,
  ctx: TraceContext | undefined = current(),
): L {
  checkLogger(logger, 'bindLogger');
  const fixed = ctx;
  return Object.create(logger, {
    write: {
      configurable: true,
      writable: true,
      value: function boundWrite(this: unknown, info: unknown, ...rest: unknown[]) {
        stamp(info, fixed, true);
        // Prototype-level hooks that read the active context at write time (OTel's
        // instrumentation-winston) see the bound context too, so ids stay consistent.
        if (fixed !== undefined && current() !== fixed) {
          return run(fixed, () => logger.write(info, ...rest));
        }
        return logger.write(info, ...rest);
      },
    },
  }) as L;
}
