import { createRequire } from 'node:module';
import * as api from '@opentelemetry/api';
import type winston from 'winston';
import type TransportStream from 'winston-transport';
import { capturedContext } from '../log-record.js';
import { otelContextFor } from '../otel.js';

/** The part of the OpenTelemetry Logs API a transport needs. */
interface LogsApi {
  getLogger(name: string, version?: string): { emit(record: Record<string, unknown>): void };
}

/**
 * The OpenTelemetry Logs API: `@opentelemetry/api`'s own `logs` (1.10 and later, the
 * OpenTelemetry JS 3.x line), else `@opentelemetry/api-logs` (the 2.x line), which the
 * 2.x SDK's LoggerProvider registers with. `undefined` when neither is installed.
 */
function logsApi(): LogsApi | undefined {
  const own = (api as unknown as { logs?: LogsApi }).logs;
  if (own !== undefined) return own;
  try {
    return (createRequire(import.meta.url)('@opentelemetry/api-logs') as { logs: LogsApi }).logs;
  } catch {
    return undefined;
  }
}

// OpenTelemetry's severity numbers for the level names of Winston's npm, syslog and cli
// levels (a level not listed is UNSPECIFIED, 0).
const SEVERITY: Record<string, number> = {
  emerg: 23,
  alert: 22,
  crit: 21,
  fatal: 21,
  error: 17,
  warning: 13,
  warn: 13,
  notice: 10,
  info: 9,
  help: 9,
  data: 9,
  http: 7,
  verbose: 6,
  debug: 5,
  prompt: 5,
  input: 5,
  trace: 1,
  silly: 1,
};

const LEVEL = Symbol.for('level');
const MAX_DEPTH = 8;

/** A record's value as an OpenTelemetry attribute value (maps and arrays kept). */
function attributeValue(value: unknown, seen: Set<object>, depth: number): unknown {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return String(value);
  if (seen.has(value) || depth >= MAX_DEPTH) return '[Circular]';
  seen.add(value);
  try {
    if (value instanceof Error) {
      return { name: value.name, message: value.message, stack: value.stack ?? '' };
    }
    if (Array.isArray(value)) return value.map((v) => attributeValue(v, seen, depth + 1));
    const map: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) map[k] = attributeValue(v, seen, depth + 1);
    return map;
  } finally {
    seen.delete(value);
  }
}

/**
 * A Winston transport that sends each record to the OpenTelemetry Logs API — the global
 * LoggerProvider, whenever the SDK registers it — with the OTel Context of the context the
 * record was written in: its LogRecord has the ids of its own span, however late the
 * transport runs. It needs no instrumentation, so the order in which winston and the SDK
 * are loaded does not matter. `idKeys`: the id fields the record carries (left out of the
 * attributes: the LogRecord has them as its trace and span ids).
 */
export function otelLogsTransport(w: typeof winston, idKeys: readonly string[]): TransportStream {
  const found = logsApi();
  if (found === undefined) {
    throw new TypeError(
      '@tracebridge/core/winston: createLogger({ otelLogs: true }) needs the OpenTelemetry Logs ' +
        'API: @opentelemetry/api 1.10 or later (OpenTelemetry JS 3.x), or @opentelemetry/api-logs ' +
        '(2.x) — install the one your SDK uses',
    );
  }
  const logs = found;
  const skip = new Set(['level', 'message', ...idKeys]);
  // winston.Transport: winston-transport's class, which winston exports.
  const Transport = (w as unknown as { Transport: new () => TransportStream }).Transport;
  class TracebridgeOtelLogs extends Transport {
    override log(info: Record<PropertyKey, unknown>, callback: () => void): void {
      try {
        const ctx = capturedContext(info);
        const attributes: Record<string, unknown> = {};
        const seen = new Set<object>();
        for (const key of Object.keys(info)) {
          if (!skip.has(key)) attributes[key] = attributeValue(info[key], seen, 0);
        }
        const level = String(info[LEVEL] ?? info.level);
        // Asked for per record: the SDK may register its LoggerProvider after this logger
        // was made (the provider keeps one logger per name).
        logs.getLogger('@tracebridge/core').emit({
          severityNumber: SEVERITY[level] ?? 0,
          severityText: level,
          body: attributeValue(info.message, seen, 0),
          attributes,
          ...(ctx !== undefined && ctx !== null && { context: otelContextFor(ctx) }),
        });
      } catch (error) {
        this.emit('warn', error);
      }
      callback();
    }
  }
  return new TracebridgeOtelLogs();
}

const isOtelTransport = (transport: unknown) =>
  (transport as { constructor?: { name?: unknown } } | null)?.constructor?.name ===
  'OpenTelemetryTransportV3';

/** Whether `logger` already sends its records to the OpenTelemetry Logs API. */
export function hasOtelTransport(logger: { transports?: unknown }): boolean {
  return Array.isArray(logger.transports) && logger.transports.some(isOtelTransport);
}

/**
 * Warns once when `logger` sends each record to the OpenTelemetry Logs API twice: an
 * OpenTelemetryTransportV3 added by hand while @opentelemetry/instrumentation-winston adds
 * its own to every logger made after it loaded.
 */
export function warnOnDoubleExport(
  logger: { transports?: unknown },
  warn: (message: string) => void,
): void {
  const transports = Array.isArray(logger.transports) ? logger.transports : [];
  const count = transports.filter(isOtelTransport).length;
  if (count < 2) return;
  warn(
    `this logger has ${count} OpenTelemetryTransportV3 transports, so every record is ` +
      'exported to OpenTelemetry that many times (@opentelemetry/instrumentation-winston adds ' +
      'one to every logger made after it loaded). Drop the one you added — or use ' +
      'createLogger({ otelLogs: true }) and give the instrumentation disableLogSending: true, ' +
      'which works whatever the order of imports.',
  );
}
