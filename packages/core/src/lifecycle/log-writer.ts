import type { TraceContext } from '../context.js';
import {
  endHandOver,
  handed,
  handOver,
  idFields,
  kPassesHanded,
  stampOtelContext,
  stampRecord,
} from '../log-capture.js';

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
  // A Winston logger builds the record inside log() and hands it to write(): a proxy of the
  // logger whose write stamps the record there, as its last property, keeps traceFormat's
  // removal of the stamp on V8's fast path on Node 20 (stamping the meta object instead puts
  // it in the middle of the record, and deleting it then turns the record into a slow
  // dictionary; see clearCapture in winston/format.ts for later V8s).
  let pending: TraceContext | undefined;
  let proxy: Record<string, unknown> | undefined;
  // Winston's one-argument form, log(info), takes the record as it is; log(level, message,
  // meta) copies it into a new object first (Object.assign of every field, a splat array,
  // a format-token regex): the one-argument form whenever it writes the same line.
  const infoForm =
    winstonStyle &&
    typeof target.write === 'function' &&
    typeof target.isLevelEnabled === 'function' &&
    typeof target.child === 'function';
  if (winstonStyle && typeof target.write === 'function') {
    const baseWrite = target.write as (info: unknown, ...rest: unknown[]) => unknown;
    proxy = Object.create(logger) as Record<string, unknown>;
    const handsOver = passesHanded(baseWrite);
    proxy.write = function stampingWrite(info: unknown, ...rest: unknown[]) {
      const ctx = pending;
      if (!handsOver || typeof info !== 'object' || info === null) {
        stampRecord(info, ctx, true);
        return baseWrite.call(logger, info, ...rest);
      }
      return writeHandedOver(baseWrite, logger, info, ctx, rest);
    };
  }
  const write = (
    level: string,
    message: string,
    record: Record<PropertyKey, unknown>,
    ctx: TraceContext | undefined,
    traceFields: boolean,
  ) => {
    if (ctx !== undefined && traceFields) Object.assign(record, idFields(ctx));
    if (winstonStyle) {
      if (proxy === undefined) stampRecord(record, ctx, true);
      const previous = pending;
      pending = ctx;
      try {
        if (
          infoForm &&
          (target.defaultMeta === undefined || target.defaultMeta === null) &&
          record.level === undefined &&
          record.message === undefined
        ) {
          // The same line as the three-argument form: the fields, then level and message.
          record.level = level;
          record.message = message;
          // log(info) writes this very record: through a write that passes it on as it is,
          // it goes with its context handed over, and needs no proxy (Winston's log() run on
          // a proxy of the logger costs ~15 % of a line).
          if (passesHanded(target.write)) writeHandedOver(log, logger, record, ctx, []);
          else (log as (info: object) => unknown).call(proxy ?? logger, record);
        } else {
          (log as (l: string, m: string, r: object) => unknown).call(
            proxy ?? logger,
            level,
            message,
            record,
          );
        }
      } finally {
        pending = previous;
      }
      return;
    }
    stampRecord(record, ctx, true);
    const method = target[level];
    const fn = typeof method === 'function' ? method : target.info;
    if (typeof fn === 'function') fn.call(logger, record, message);
  };
  return Object.assign(write, { winstonStyle });
}

function passesHanded(write: unknown): boolean {
  return (
    typeof write === 'function' &&
    (write as unknown as Record<symbol, unknown>)[kPassesHanded] === true
  );
}

/** `fn.call(thisArg, info, ...rest)` with `info` handed over with `ctx` (see handOver). */
function writeHandedOver(
  fn: unknown,
  thisArg: unknown,
  info: object,
  ctx: TraceContext | undefined,
  rest: unknown[],
): unknown {
  stampOtelContext(info, ctx, true);
  const previousRecord = handed.record;
  const previousContext = handed.context;
  handOver(info, ctx);
  try {
    return (fn as (info: object, ...rest: unknown[]) => unknown).call(thisArg, info, ...rest);
  } finally {
    endHandOver(info, ctx, true, previousRecord, previousContext);
  }
}
