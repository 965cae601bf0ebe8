import type { TraceContext } from './context.js';
import { flagsHex } from './log-record.js';

/** Field-name presets: OTel's names for non-OTLP logs, ECS, Datadog, camelCase. */
export type TraceFormatPreset = 'otel' | 'ecs' | 'datadog' | 'camel';

/** Which fields carry the ids on a log record, and under which names. */
export interface TraceFieldsOptions {
  /** Field names and value forms. Default `'otel'`: `trace_id`, `span_id`, `trace_flags`. */
  preset?: TraceFormatPreset;
  /** Explicit flat keys instead of a preset (`false` leaves a field out). */
  keys?: { traceId?: string; spanId?: string; traceFlags?: string | false };
  /** Add the context's request id: `true` (the preset's key), a key, or `false`. Default `true`. */
  requestId?: boolean | string;
  /** Add the context's `fields` (never over a key the record has). Default `true`. */
  fields?: boolean;
}

type Fail = (message: string) => never;

/** The top-level fields a writer with `options` puts the ids in, when they are flat keys. */
export function flatIdKeys(options: TraceFieldsOptions = {}): string[] {
  if (options.keys !== undefined) {
    const { traceId = 'trace_id', spanId = 'span_id', traceFlags = 'trace_flags' } = options.keys;
    return traceFlags === false ? [traceId, spanId] : [traceId, spanId, traceFlags];
  }
  if (options.preset === 'camel') return ['traceId', 'spanId', 'traceFlags'];
  if (options.preset === 'ecs' || options.preset === 'datadog') return [];
  return ['trace_id', 'span_id', 'trace_flags'];
}

/** Writes a context's ids (and request id and fields) onto a log record. */
export type FieldsWriter = (record: Record<PropertyKey, unknown>, ctx: TraceContext) => void;

type LogRecord = Record<PropertyKey, unknown>;

/** Writes the ids of `ctx` onto a record that has no trace id yet: ids the caller wrote stay
 * together, none of ours is mixed in with them. With `replace`, over whatever ids it has. */
type IdWriter = (record: LogRecord, ctx: TraceContext, replace: boolean) => void;

/** Ids under three flat keys (`flags` `false`: no flags field). */
function flatIds(trace: string, span: string, flags: string | false): IdWriter {
  return (record, ctx, replace) => {
    if (!replace && record[trace] !== undefined) return;
    record[trace] = ctx.traceId;
    if (replace || record[span] === undefined) record[span] = ctx.spanId;
    if (flags !== false && (replace || record[flags] === undefined)) {
      record[flags] = flagsHex(ctx.traceFlags);
    }
  };
}

/** Ids under nested paths, such as ECS's `trace.id`. */
function nestedIds(
  trace: readonly string[],
  span: readonly string[],
  encode: (hex: string) => string,
): IdWriter {
  return (record, ctx, replace) => {
    if (!replace && has(record, trace)) return;
    set(record, trace, encode(ctx.traceId), replace);
    set(record, span, encode(ctx.spanId), replace);
  };
}

// Datadog correlates on the low 64 bits of the trace id, and on the span id, in decimal.
const datadogDecimal = (hex: string) => BigInt(`0x${hex.slice(-16)}`).toString(10);
const asIs = (hex: string) => hex;

const PRESETS: Record<TraceFormatPreset, { ids: IdWriter; requestId: readonly string[] }> = {
  otel: { ids: flatIds('trace_id', 'span_id', 'trace_flags'), requestId: ['request_id'] },
  camel: { ids: flatIds('traceId', 'spanId', 'traceFlags'), requestId: ['requestId'] },
  ecs: {
    ids: nestedIds(['trace', 'id'], ['span', 'id'], asIs),
    requestId: ['http', 'request', 'id'],
  },
  datadog: {
    ids: nestedIds(['dd', 'trace_id'], ['dd', 'span_id'], datadogDecimal),
    requestId: ['request_id'],
  },
};

const OPTIONS = new Set(['preset', 'keys', 'requestId', 'fields']);

function checkKey(name: string, key: unknown, fail: Fail): void {
  if (typeof key !== 'string' || key === '') fail(`keys.${name} must be a non-empty string`);
}

/**
 * Checks trace-field options once and returns the writer they describe: it writes `ctx`'s
 * ids, request id and fields onto a record, never over a field the record has — except,
 * with `replace`, the ids themselves (a bound logger's ids win over ones a mixin put there).
 * `fail` throws the caller's `TypeError` (its package name first).
 */
export function traceFieldsWriter(
  options: TraceFieldsOptions,
  fail: Fail,
  replace = false,
): FieldsWriter {
  if (typeof options !== 'object' || options === null) {
    fail('options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!OPTIONS.has(key)) fail(`unknown option "${key}"`);
  }
  if (options.preset !== undefined && options.keys !== undefined) {
    fail('give either preset or keys, not both');
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
    checkKey('traceId', t, fail);
    checkKey('spanId', s, fail);
    if (f !== false) checkKey('traceFlags', f, fail);
    ids = flatIds(t, s, f);
  }
  const { requestId = true, fields = true } = options;
  if (typeof requestId !== 'boolean' && (typeof requestId !== 'string' || requestId === '')) {
    fail('requestId must be a boolean or a non-empty key');
  }
  if (typeof fields !== 'boolean') fail('fields must be a boolean');
  const requestIdPath =
    requestId === false ? undefined : requestId === true ? preset.requestId : [requestId];
  const withFields = fields;
  return (record, ctx) => {
    ids(record, ctx, replace);
    if (requestIdPath !== undefined && ctx.requestId !== undefined) {
      set(record, requestIdPath, ctx.requestId);
    }
    if (withFields && ctx.fields !== undefined) {
      for (const key of Object.keys(ctx.fields)) {
        if (record[key] === undefined) record[key] = ctx.fields[key];
      }
    }
  };
}

function has(record: LogRecord, path: readonly string[]): boolean {
  let node: unknown = record;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as LogRecord)[key];
  }
  return node !== undefined;
}

/** Sets a (possibly nested) field unless it is there (or, with `replace`, over it): objects on
 * the way are copied rather than changed (the caller may still hold them), a non-object on
 * the way is left alone. */
function set(record: LogRecord, path: readonly string[], value: unknown, replace = false): void {
  let node = record;
  const last = path.length - 1;
  for (let i = 0; i < last; i++) {
    const key = path[i] as string;
    const existing = node[key];
    if (existing !== undefined && (typeof existing !== 'object' || existing === null)) return;
    if (Array.isArray(existing)) return;
    const copy: LogRecord = { ...(existing as LogRecord | undefined) };
    node[key] = copy;
    node = copy;
  }
  const key = path[last] as string;
  if (replace || node[key] === undefined) node[key] = value;
}
