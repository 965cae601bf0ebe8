import { guardedWrite, type WritableLogger } from '../bind-logger.js';
import { current } from '../current.js';
import { noteLine } from '../doctor-hook.js';
import { capturedContext, kWritesIds, stampRecord } from '../log-record.js';
import type { FieldsWriter } from '../trace-fields.js';

const kCapturing = Symbol.for('@tracebridge/core.winston.captureOnWrite');

type Write = WritableLogger['write'];

function checkLogger(logger: unknown): asserts logger is WritableLogger {
  if (
    typeof logger !== 'object' ||
    logger === null ||
    typeof (logger as { write?: unknown }).write !== 'function'
  ) {
    throw new TypeError(
      '@tracebridge/core/winston: captureOnWrite(logger) expects a Winston logger (an object ' +
        'with write()); create one with createLogger()',
    );
  }
}

/**
 * Makes `logger` mark every record with the current trace context at the moment it is
 * written — when `logger.info()` is called — so that formats Winston runs later, after a
 * slow transport drained, still see this call's ids (see {@link traceFormat}). Children it
 * made before and makes after are covered: Winston's children write through their parent.
 * Also marks the OpenTelemetry Context that `@opentelemetry/winston-transport` reads.
 *
 * Replaces `write` on this instance only: no Winston prototype or global is touched. A
 * transport that throws inside `write` no longer throws into the caller: the error goes to
 * the logger's 'error' listeners (or one process warning). Calling it twice is harmless.
 * Use the logger it returns: for a Winston child (whose `write` cannot be replaced) that is
 * a logger inheriting from it.
 *
 * @example
 * const logger = captureOnWrite(winston.createLogger({
 *   format: winston.format.combine(traceFormat(), winston.format.json()),
 *   transports: [new winston.transports.Console()],
 * }));
 */
export function captureOnWrite<L extends WritableLogger>(logger: L): L {
  return capture(logger, undefined);
}

/**
 * {@link captureOnWrite}, and with `writeFields` the ids written onto each record right
 * there, in the fields `writeFields` names — no format needed (what createLogger does).
 */
export function capture<L extends WritableLogger>(logger: L, writeFields?: FieldsWriter): L {
  checkLogger(logger);
  if (writeFields !== undefined) {
    // Adapters that bind this logger leave the ids to it (log-target.ts).
    Object.defineProperty(logger, kWritesIds, { value: true });
  }
  if (Object.hasOwn(logger, kCapturing)) return logger;
  const own = Object.hasOwn(logger, 'write') ? logger.write : undefined;
  const descriptor = Object.getOwnPropertyDescriptor(logger, 'write');
  if (descriptor !== undefined && descriptor.configurable !== true) {
    // A Winston child holds a fixed `write`: capture in a logger that inherits from it.
    return Object.create(logger, {
      write: {
        configurable: true,
        writable: true,
        value: capturing(logger, () => logger.write, writeFields),
      },
      [kCapturing]: { value: true },
    }) as L;
  }
  const proto = Object.getPrototypeOf(logger) as WritableLogger | null;
  // The prototype's write is looked up per call: one patched later (OpenTelemetry's
  // instrumentation-winston patches Logger.prototype.write) still runs.
  const next = own === undefined ? () => proto?.write as Write : () => own;
  Object.defineProperty(logger, 'write', {
    configurable: true,
    writable: true,
    value: capturing(logger, next, writeFields),
  });
  Object.defineProperty(logger, kCapturing, { value: true });
  return logger;
}

// A stream's write takes (chunk, encoding, callback); Winston's log() passes the record only.
function capturing(
  logger: WritableLogger,
  next: () => Write,
  writeFields: FieldsWriter | undefined,
): Write {
  return function captureWrite(this: unknown, info: unknown, encoding?: unknown, cb?: unknown) {
    if (capturedContext(info) === undefined) {
      const ctx = current();
      noteLine(ctx);
      stampRecord(info, ctx);
    }
    if (writeFields !== undefined) {
      const ctx = capturedContext(info);
      if (ctx !== null && ctx !== undefined) writeFields(info as Record<PropertyKey, unknown>, ctx);
    }
    return guardedWrite(logger, next(), this, info, encoding, cb);
  };
}
