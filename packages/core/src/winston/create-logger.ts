import winston from 'winston';
import { captureOnWrite } from './capture.js';
import { type TraceFormatOptions, traceFormat } from './format.js';

/** Winston's own logger options, plus the options of {@link traceFormat}. */
export type CreateLoggerOptions = winston.LoggerOptions & { trace?: TraceFormatOptions };

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
  const { trace, format, ...rest } = options;
  const logger = winston.createLogger({
    ...rest,
    format: winston.format.combine(traceFormat(trace), format ?? winston.format.json()),
  });
  return captureOnWrite(logger);
}
