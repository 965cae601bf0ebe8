import type winston from 'winston';
import { optionalPeer } from '../optional-peer.js';
import { flatIdKeys, type TraceFieldsOptions, traceFieldsWriter } from '../trace-fields.js';
import { warnOnce } from '../warn.js';
import { capture } from './capture.js';
import { hasOtelTransport, otelLogsTransport, warnOnDoubleExport } from './otel-logs.js';

/** Winston's own logger options, plus the names of the id fields (as {@link traceFormat}'s). */
export type CreateLoggerOptions = winston.LoggerOptions & {
  /** The names of the id fields (as {@link traceFormat}'s options). */
  trace?: TraceFieldsOptions;
  /**
   * Also send every record to the OpenTelemetry Logs API (the global LoggerProvider your
   * SDK registers), with the trace and span ids of the context it was written in. Unlike
   * `@opentelemetry/instrumentation-winston`, it does not depend on winston being loaded
   * after the SDK started. Skipped when the logger has an `OpenTelemetryTransportV3`
   * already. Default `false`.
   */
  otelLogs?: boolean;
};

function fail(message: string): never {
  throw new TypeError(`@tracebridge/core/winston: createLogger: trace: ${message}`);
}

// Loaded on first use, so that importing this entry (for bindLogger or traceFormat, say)
// never loads winston by itself.
const loadWinston = optionalPeer<typeof winston>(
  'winston',
  '@tracebridge/core/winston: createLogger()',
);

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
  const { trace = {}, otelLogs = false, format, ...rest } = options;
  const writeFields = traceFieldsWriter(trace, fail);
  if (typeof otelLogs !== 'boolean') {
    throw new TypeError('@tracebridge/core/winston: createLogger: otelLogs must be a boolean');
  }
  const w = loadWinston();
  const logger = w.createLogger({ ...rest, format: format ?? jsonLine(w) });
  warnOnDoubleExport(logger, (message) =>
    warnOnce('TRACEBRIDGE_DOUBLE_EXPORT', `@tracebridge/core/winston: ${message}`),
  );
  if (otelLogs && !hasOtelTransport(logger)) logger.add(otelLogsTransport(w, flatIdKeys(trace)));
  return capture(logger, writeFields);
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
