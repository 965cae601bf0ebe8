import type { Logform } from 'winston';
import type { TraceContext } from '../context.js';
import { current } from '../current.js';
import { capturedContext, flagsHex } from '../log-record.js';

/** Field-name presets: OTel's names for non-OTLP logs, ECS, Datadog, camelCase. */
export type TraceFormatPreset = 'otel' | 'ecs' | 'datadog' | 'camel';

/** Options of {@link traceFormat}. */
export interface TraceFormatOptions {
  /** Field names and value forms. Default `'otel'`: `trace_id`, `span_id`, `trace_flags`. */
  preset?: TraceFormatPreset;
  /** Explicit flat keys instead of a preset (`false` leaves a field out). */
  keys?: { traceId?: string; spanId?: string; traceFlags?: string | false };
  /** Add the context's request id: `true` (the preset's key), a key, or `false`. Default `true`. */
  requestId?: boolean | string;
  /** Add the context's `fields` (never over a key the record has). Default `true`. */
  fields?: boolean;
}

/** A Winston (logform) format: what `format.combine()` and `createLogger({ format })` take. */
export type TraceFormat = Logform.Format;

/** Where a value goes on the record (nested for ECS and Datadog) and how it is written. */
interface Field {
  readonly path: readonly string[];
  readonly value: (ctx: TraceContext) => string;
}

const traceId = (ctx: TraceContext) => ctx.traceId;
const spanId = (ctx: TraceContext) => ctx.spanId;
const traceFlags = (ctx: TraceContext) => flagsHex(ctx.traceFlags);
// Datadog correlates on the low 64 bits of the trace id, and on the span id, in decimal.
const decimal = (hex: string) => BigInt(`0x${hex}`).toString(10);
const ddTraceId = (ctx: TraceContext) => decimal(ctx.traceId.slice(16));
const ddSpanId = (ctx: TraceContext) => decimal(ctx.spanId);

const PRESETS: Record<TraceFormatPreset, { ids: Field[]; requestId: string[] }> = {
  otel: {
    ids: [
      { path: ['trace_id'], value: traceId },
      { path: ['span_id'], value: spanId },
      { path: ['trace_flags'], value: traceFlags },
    ],
    requestId: ['request_id'],
  },
  camel: {
    ids: [
      { path: ['traceId'], value: traceId },
      { path: ['spanId'], value: spanId },
      { path: ['traceFlags'], value: traceFlags },
    ],
    requestId: ['requestId'],
  },
  ecs: {
    ids: [
      { path: ['trace', 'id'], value: traceId },
      { path: ['span', 'id'], value: spanId },
    ],
    requestId: ['http', 'request', 'id'],
  },
  datadog: {
    ids: [
      { path: ['dd', 'trace_id'], value: ddTraceId },
      { path: ['dd', 'span_id'], value: ddSpanId },
    ],
    requestId: ['request_id'],
  },
};

const OPTIONS = new Set(['preset', 'keys', 'requestId', 'fields']);

function fail(message: string): never {
  throw new TypeError(`@tracebridge/core/winston: ${message}`);
}

function checkKey(name: string, key: unknown): void {
  if (typeof key !== 'string' || key === '') fail(`keys.${name} must be a non-empty string`);
}

function resolve(options: TraceFormatOptions) {
  if (typeof options !== 'object' || options === null) {
    fail('traceFormat(options) expects an object');
  }
  for (const key of Object.keys(options)) {
    if (!OPTIONS.has(key)) fail(`unknown traceFormat option "${key}"`);
  }
  if (options.preset !== undefined && options.keys !== undefined) {
    fail('traceFormat: give either preset or keys, not both');
  }
  const presetName = options.preset ?? 'otel';
  const preset = PRESETS[presetName];
  if (preset === undefined) {
    fail(`unknown preset "${String(presetName)}" (otel, ecs, datadog, camel)`);
  }
  let ids = preset.ids;
  if (options.keys !== undefined) {
    const {
      traceId: t = 'trace_id',
      spanId: s = 'span_id',
      traceFlags: f = 'trace_flags',
    } = options.keys;
    checkKey('traceId', t);
    checkKey('spanId', s);
    if (f !== false) checkKey('traceFlags', f);
    ids = [
      { path: [t], value: traceId },
      { path: [s], value: spanId },
      ...(f === false ? [] : [{ path: [f], value: traceFlags }]),
    ];
  }
  const { requestId = true, fields = true } = options;
  if (typeof requestId !== 'boolean' && (typeof requestId !== 'string' || requestId === '')) {
    fail('requestId must be a boolean or a non-empty key');
  }
  if (typeof fields !== 'boolean') fail('fields must be a boolean');
  const requestIdPath =
    requestId === false ? undefined : requestId === true ? preset.requestId : [requestId];
  return { ids, requestIdPath, fields };
}

type LogRecord = Record<PropertyKey, unknown>;

function has(record: LogRecord, path: readonly string[]): boolean {
  let node: unknown = record;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as LogRecord)[key];
  }
  return node !== undefined;
}

/** Sets a (possibly nested) field unless it is there: objects on the way are copied rather
 * than changed (the caller may still hold them), a non-object on the way is left alone. */
function set(record: LogRecord, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  const existing = record[head];
  if (rest.length === 0) {
    if (existing === undefined) record[head] = value;
    return;
  }
  if (existing !== undefined && (typeof existing !== 'object' || existing === null)) return;
  if (Array.isArray(existing)) return;
  const copy: LogRecord = { ...(existing as LogRecord | undefined) };
  set(copy, rest, value);
  record[head] = copy;
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
  const { ids, requestIdPath, fields } = resolve(options);
  const traceIdPath = ids[0]?.path ?? [];
  return {
    options,
    transform(info) {
      if (typeof info !== 'object' || info === null) return info;
      const record = info as unknown as LogRecord;
      try {
        const captured = capturedContext(record);
        const ctx = captured === undefined ? current() : captured;
        if (ctx === null || ctx === undefined) return info;
        // Ids the caller wrote stay together: none of ours is mixed in with them.
        if (!has(record, traceIdPath)) {
          for (const field of ids) set(record, field.path, field.value(ctx));
        }
        if (requestIdPath !== undefined && ctx.requestId !== undefined) {
          set(record, requestIdPath, ctx.requestId);
        }
        if (fields && ctx.fields !== undefined) {
          for (const [key, value] of Object.entries(ctx.fields)) set(record, [key], value);
        }
      } catch {
        // A log line is worth more than its ids: pass it on as it is.
      }
      return info;
    },
  };
}
