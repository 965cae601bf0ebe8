import { createRequire } from 'node:module';
import type winston from 'winston';
import { type TraceFieldsOptions, traceFieldsWriter } from '../trace-fields.js';
import { capture } from './capture.js';

/** Winston's own logger options, plus the names of the id fields (as {@link traceFormat}'s). */
export type CreateLoggerOptions = winston.LoggerOptions & { trace?: TraceFieldsOptions };

function fail(message: string): never {
  throw new TypeError(`@tracebridge/core/winston: createLogger: trace: ${message}`);
}

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
 * `winston.createLogger()` with tracebridge applied: every record gets the ids of the
 * context it is written in — as fields (`trace_id`, `span_id`, `trace_flags`, or the names
 * `trace` asks for, as {@link traceFormat}'s options), written onto the record the moment it
 * is written, so no format is needed and none can run too late — and carries that context
 * too ({@link captureOnWrite}). Your `format` runs as given; by default one JSON line per
 * record, in the record's key order, written by `JSON.stringify` (a record it refuses, with
 * a circular reference or a BigInt, goes through Winston's `format.json()`: nothing lost).
 *
 * @example
 * const logger = createLogger({ transports: [new winston.transports.Console()] });
 * logger.info('hello'); // {"level":"info","message":"hello","trace_id":"…","span_id":"…",…}
 */
export function createLogger(options: CreateLoggerOptions = {}): winston.Logger {
  const { trace = {}, format, ...rest } = options;
  const writeFields = traceFieldsWriter(trace, fail);
  const w = loadWinston();
  return capture(w.createLogger({ ...rest, format: format ?? jsonLine(w) }), writeFields);
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
