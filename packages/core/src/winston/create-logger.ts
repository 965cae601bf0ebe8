import { createRequire } from 'node:module';
import type winston from 'winston';
import { captureOnWrite } from './capture.js';
import { type TraceFormatOptions, traceFormat } from './format.js';

/** Winston's own logger options, plus the options of {@link traceFormat}. */
export type CreateLoggerOptions = winston.LoggerOptions & { trace?: TraceFormatOptions };

// Loaded on first use, so that importing this entry (for bindLogger or traceFormat, say)
// never loads winston by itself.
let loaded: typeof winston | undefined;
function loadWinston(): typeof winston {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('winston') as typeof winston;
    } catch (cause) {
      throw new Error(
        '@tracebridge/core/winston: createLogger() needs the winston package; install it (npm install winston)',
        { cause },
      );
    }
  }
  return loaded;
}

/**
 * `winston.createLogger()` with tracebridge applied: {@link traceFormat} first in the
 * format chain (then yours, or by default one JSON line per record) and
 * {@link captureOnWrite} on the logger, so every record carries the ids of the context it
 * was written in. The default JSON keeps the record's key order and is written by
 * `JSON.stringify`; a record that cannot be (a circular reference, a BigInt) goes through
 * Winston's `format.json()` instead — the same line Winston would write, nothing lost.
 *
 * @example
 * const logger = createLogger({ transports: [new winston.transports.Console()] });
 * logger.info('hello'); // {"level":"info","message":"hello","trace_id":"…","span_id":"…",…}
 */
export function createLogger(options: CreateLoggerOptions = {}): winston.Logger {
  const w = loadWinston();
  const { trace, format, ...rest } = options;
  const logger = w.createLogger({
    ...rest,
    format: w.format.combine(traceFormat(trace), format ?? jsonLine(w)),
  });
  return captureOnWrite(logger);
}

/**
 * One JSON line per record, its keys in the order they were written (level and message
 * where the call put them): plain `JSON.stringify`, and `format.json()` for a record it
 * refuses (a circular reference, a BigInt), so nothing is lost.
 */
function jsonLine(w: typeof winston): winston.Logform.Format {
  const fallback = w.format.json();
  const MESSAGE = Symbol.for('message');
  return {
    transform(info) {
      try {
        (info as unknown as Record<symbol, unknown>)[MESSAGE] = JSON.stringify(info);
        return info;
      } catch {
        return fallback.transform(info, fallback.options ?? {});
      }
    },
  };
}
