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
 * format chain (then yours, `format.json()` by default) and {@link captureOnWrite} on the
 * logger, so every record carries the ids of the context it was written in.
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
    format: w.format.combine(traceFormat(trace), format ?? w.format.json()),
  });
  return captureOnWrite(logger);
}
