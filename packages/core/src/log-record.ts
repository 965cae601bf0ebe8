import type { TraceContext } from './context.js';
import { otelContextFor } from './otel.js';

/**
 * The symbol under which a log record carries the context it was written in. Set once, when
 * the record is written (by a bound logger or a capturing logger), and never removed: a
 * format or transport that runs later — after a slow transport drained — reads the ids of
 * the call that wrote the record, not of whatever runs at that moment. Enumerable, so that
 * Winston's copies of a record (`Object.assign` in child loggers and transports) keep it;
 * JSON serialisers skip symbol keys.
 */
export const CAPTURED_CONTEXT = Symbol.for('@tracebridge/core.capturedContext');

/** Set on a logger that writes the ids itself when a record is written (createLogger's,
 * createPinoLogger's): adapters and bindLogger leave the ids to it. */
export const kWritesIds = Symbol.for('@tracebridge/core.writesIds');

/** The symbol @opentelemetry/winston-transport reads a record's OpenTelemetry Context from. */
export const OTEL_WINSTON_CONTEXT = Symbol.for('opentelemetry.js.contrib.winston.context');

/** Marks a record written outside any context: it gets no ids, wherever it is formatted. */
const NO_CONTEXT: object = Object.freeze({ tracebridge: 'no context' });

type LogRecord = Record<PropertyKey, unknown>;

function isRecord(value: unknown): value is LogRecord {
  return typeof value === 'object' && value !== null;
}

/**
 * The context a record was written in: a {@link TraceContext}; `null` when it was written
 * outside any context; `undefined` when nothing captured it (read the current context).
 *
 * @example
 * const format = winston.format((info) => {
 *   const ctx = capturedContext(info) ?? current();
 *   return info;
 * });
 */
export function capturedContext(record: unknown): TraceContext | null | undefined {
  if (!isRecord(record)) return undefined;
  const value = record[CAPTURED_CONTEXT];
  if (value === undefined) return undefined;
  return value === NO_CONTEXT ? null : (value as TraceContext);
}

/**
 * Marks `record` with `ctx` (and the matching OpenTelemetry Context), unless it carries a
 * context already: the first writer to see a record — the outermost bound logger — decides.
 * A frozen or sealed record is left as it is. Never throws.
 */
export function stampRecord(record: unknown, ctx: TraceContext | undefined): void {
  if (!isRecord(record) || record[CAPTURED_CONTEXT] !== undefined) return;
  if (!Object.isExtensible(record)) return;
  if (ctx !== undefined && record[OTEL_WINSTON_CONTEXT] === undefined) {
    const otelContext = otelContextFor(ctx);
    if (otelContext !== undefined) record[OTEL_WINSTON_CONTEXT] = otelContext;
  }
  record[CAPTURED_CONTEXT] = ctx ?? NO_CONTEXT;
}

const FLAGS_HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** W3C trace-flags as the two lowercase hex digits log formats use. */
export function flagsHex(flags: number): string {
  return FLAGS_HEX[flags & 0xff] as string;
}
