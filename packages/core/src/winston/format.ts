import type { Logform } from 'winston';
import { current } from '../current.js';
import { noteLine } from '../doctor-hook.js';
import { capturedContext } from '../log-record.js';
import { type TraceFieldsOptions, traceFieldsWriter } from '../trace-fields.js';

export type { TraceFieldsOptions, TraceFormatPreset } from '../trace-fields.js';

/** Options of {@link traceFormat}: the field names of the ids. */
export type TraceFormatOptions = TraceFieldsOptions;

/** A Winston (logform) format: what `format.combine()` and `createLogger({ format })` take. */
export type TraceFormat = Logform.Format;

function fail(message: string): never {
  throw new TypeError(`@tracebridge/core/winston: traceFormat: ${message}`);
}

/**
 * A Winston format that writes the trace ids onto each record — `trace_id`, `span_id`,
 * `trace_flags` by default (lowercase hex, flags as two hex digits), or the ECS, Datadog or
 * camelCase names — plus the context's request id and fields. The ids come from the context
 * the record was written in ({@link captureOnWrite}, {@link bindLogger} mark it), else from
 * the current context. Ids the caller put on the record are never overwritten, nor is any
 * other field. It never throws: a record it cannot handle passes through unchanged.
 *
 * @example
 * const logger = captureOnWrite(winston.createLogger({
 *   format: format.combine(traceFormat({ preset: 'ecs' }), format.json()),
 *   transports: [new winston.transports.Console()],
 * }));
 */
export function traceFormat(options: TraceFormatOptions = {}): TraceFormat {
  const write = traceFieldsWriter(options, fail);
  return {
    options,
    transform(info) {
      if (typeof info !== 'object' || info === null) return info;
      const record = info as unknown as Record<PropertyKey, unknown>;
      try {
        let ctx = capturedContext(record);
        if (ctx === undefined) {
          ctx = current();
          noteLine(ctx);
        }
        if (ctx === null || ctx === undefined) return info;
        write(record, ctx);
      } catch {
        // A log line is worth more than its ids: pass it on as it is.
      }
      return info;
    },
  };
}
