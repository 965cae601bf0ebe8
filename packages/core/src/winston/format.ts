import type { Logform } from 'winston';
import type { TraceContext } from '../context.js';
import { current } from '../current.js';
import { CAPTURED_CONTEXT, capturedContext, flagsHex, takeHandedContext } from '../log-capture.js';

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

type Path = readonly string[];
type Encode = (ctx: TraceContext) => string;

interface Field {
  path: Path;
  encode: Encode;
}

const hexFlags = (ctx: TraceContext) => flagsHex(ctx.traceFlags);

// Datadog correlates on the low 64 bits of the trace id, and on the span id, in decimal.
const decimal = new WeakMap<TraceContext, [string, string]>();
function datadogIds(ctx: TraceContext): [string, string] {
  let ids = decimal.get(ctx);
  if (ids === undefined) {
    ids = [
      BigInt(`0x${ctx.traceId.slice(16)}`).toString(10),
      BigInt(`0x${ctx.spanId}`).toString(10),
    ];
    decimal.set(ctx, ids);
  }
  return ids;
}

const PRESETS: Record<TraceFormatPreset, { ids: Field[]; requestId: Path }> = {
  otel: {
    ids: [
      { path: ['trace_id'], encode: (c) => c.traceId },
      { path: ['span_id'], encode: (c) => c.spanId },
      { path: ['trace_flags'], encode: hexFlags },
    ],
    requestId: ['request_id'],
  },
  camel: {
    ids: [
      { path: ['traceId'], encode: (c) => c.traceId },
      { path: ['spanId'], encode: (c) => c.spanId },
      { path: ['traceFlags'], encode: hexFlags },
    ],
    requestId: ['requestId'],
  },
  ecs: {
    ids: [
      { path: ['trace', 'id'], encode: (c) => c.traceId },
      { path: ['span', 'id'], encode: (c) => c.spanId },
    ],
    requestId: ['http', 'request', 'id'],
  },
  datadog: {
    ids: [
      { path: ['dd', 'trace_id'], encode: (c) => datadogIds(c)[0] },
      { path: ['dd', 'span_id'], encode: (c) => datadogIds(c)[1] },
    ],
    requestId: ['request_id'],
  },
};

function fail(message: string): never {
  throw new TypeError(`@tracebridge/core/winston: ${message}`);
}

function resolve(options: TraceFormatOptions) {
  if (typeof options !== 'object' || options === null)
    fail('traceFormat(options) expects an object');
  const known = new Set(['preset', 'keys', 'requestId', 'fields']);
  for (const key of Object.keys(options))
    if (!known.has(key)) fail(`unknown traceFormat option "${key}"`);
  if (options.preset !== undefined && options.keys !== undefined) {
    fail('traceFormat: give either preset or keys, not both');
  }
  const presetName = options.preset ?? 'otel';
  const preset = PRESETS[presetName];
  if (preset === undefined)
    fail(`unknown preset "${String(presetName)}" (otel, ecs, datadog, camel)`);
  let ids = preset.ids;
  if (options.keys !== undefined) {
    const { traceId = 'trace_id', spanId = 'span_id', traceFlags = 'trace_flags' } = options.keys;
    for (const [name, key] of Object.entries({ traceId, spanId, traceFlags })) {
      if (key === false && name !== 'traceFlags') fail(`keys.${name} must be a non-empty string`);
      if (key !== false && (typeof key !== 'string' || key === ''))
        fail(`keys.${name} must be a non-empty string`);
    }
    ids = [
      { path: [traceId], encode: (c) => c.traceId },
      { path: [spanId], encode: (c) => c.spanId },
      ...(traceFlags === false ? [] : [{ path: [traceFlags], encode: hexFlags }]),
    ];
  }
  const { requestId = true, fields = true } = options;
  if (typeof requestId !== 'boolean' && (typeof requestId !== 'string' || requestId === '')) {
    fail('requestId must be a boolean or a non-empty key');
  }
  if (typeof fields !== 'boolean') fail('fields must be a boolean');
  const requestIdPath: Path | undefined =
    requestId === false ? undefined : requestId === true ? preset.requestId : [requestId];
  return { ids, requestIdPath, fields };
}

function has(record: Record<PropertyKey, unknown>, path: Path): boolean {
  if (path.length === 1) return record[path[0] as string] !== undefined;
  let node: unknown = record;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return node !== undefined;
}

/** Sets a (possibly nested) field without clobbering: copies objects on the way rather than
 * changing one the caller may still hold, and leaves a non-object in the way alone. */
function set(record: Record<PropertyKey, unknown>, path: Path, value: unknown, from = 0): void {
  const head = path[from];
  if (head === undefined) return;
  if (from === path.length - 1) {
    if (record[head] === undefined) record[head] = value;
    return;
  }
  const existing = record[head];
  if (
    existing !== undefined &&
    (typeof existing !== 'object' || existing === null || Array.isArray(existing))
  ) {
    return;
  }
  const copy: Record<string, unknown> =
    existing === undefined ? {} : { ...(existing as Record<string, unknown>) };
  set(copy, path, value, from + 1);
  record[head] = copy;
}

// Taking the capture mark off a record without costing it V8's fast mode: V8 before 12
// (Node 20) deletes the last-added property by going back to the previous shape, one field
// fewer for the formats and transports after it; from V8 12 (Node 22 on) that delete turns the
// record into a dictionary (slow field stores and JSON), so the mark is set to undefined
// there — which reads as "never captured" everywhere.
const deleteKeepsShape = Number.parseInt(process.versions.v8 ?? '', 10) < 12;
function clearCapture(info: Record<PropertyKey, unknown>): void {
  if (deleteKeepsShape) delete info[CAPTURED_CONTEXT];
  else info[CAPTURED_CONTEXT] = undefined;
}

type Writer = (info: Record<PropertyKey, unknown>, ctx: TraceContext) => void;

/**
 * For flat keys (every preset but ecs/datadog): one store site per key, so that each stays
 * monomorphic — a loop over the keys makes them megamorphic and costs ~10% of a log call.
 * Only when no trace id is on the record yet, and never over a field that is there.
 */
function flatWriter(ids: readonly Field[]): Writer | undefined {
  if (ids.length < 2 || ids.length > 3 || ids.some((f) => f.path.length !== 1)) return undefined;
  const [trace, span, flags] = ids as [Field, Field, Field | undefined];
  const traceKey = trace.path[0] as string;
  const spanKey = span.path[0] as string;
  const flagsKey = flags?.path[0];
  const encodeTrace = trace.encode;
  const encodeSpan = span.encode;
  const encodeFlags = flags?.encode;
  return (info, ctx) => {
    if (info[traceKey] !== undefined) return;
    info[traceKey] = encodeTrace(ctx);
    if (info[spanKey] === undefined) info[spanKey] = encodeSpan(ctx);
    if (flagsKey !== undefined && encodeFlags !== undefined && info[flagsKey] === undefined)
      info[flagsKey] = encodeFlags(ctx);
  };
}

/**
 * A Winston format that writes the trace ids onto each record — `trace_id`, `span_id`,
 * `trace_flags` by default (lowercase hex, flags as two hex digits), or the ECS, Datadog or
 * camelCase names — plus the context's request id and fields. It takes the ids from the
 * context captured when the record was written ({@link captureOnWrite}, {@link bindLogger}),
 * else from the current context; ids the caller put on the record are never overwritten.
 * It never throws: a record it cannot handle passes through unchanged.
 *
 * @example
 * const logger = createLogger({
 *   format: format.combine(traceFormat({ preset: 'ecs' }), format.json()),
 * });
 */
export function traceFormat(options: TraceFormatOptions = {}): TraceFormat {
  const { ids, requestIdPath, fields } = resolve(options);
  const traceIdPath = ids[0]?.path ?? [];
  const writeFlat = flatWriter(ids);
  const requestIdKey = requestIdPath?.length === 1 ? requestIdPath[0] : undefined;
  return {
    options,
    // One call per log line: no per-call allocation, no extensibility probes (a frozen
    // record makes an assignment throw, which the catch turns into "pass it on as it is").
    transform(record) {
      if (typeof record !== 'object' || record === null) return record;
      const info = record as unknown as Record<PropertyKey, unknown>;
      try {
        let ctx: TraceContext | null | undefined = takeHandedContext(info);
        if (ctx === undefined) {
          ctx = capturedContext(info);
          if (ctx !== undefined) clearCapture(info);
          else ctx = current();
        }
        if (ctx === null || ctx === undefined) return record;
        if (writeFlat !== undefined) writeFlat(info, ctx);
        else if (!has(info, traceIdPath)) {
          for (const field of ids) set(info, field.path, field.encode(ctx));
        }
        const requestId = ctx.requestId;
        if (requestId !== undefined) {
          if (requestIdKey !== undefined) {
            if (info[requestIdKey] === undefined) info[requestIdKey] = requestId;
          } else if (requestIdPath !== undefined) set(info, requestIdPath, requestId);
        }
        const extra = ctx.fields;
        if (fields && extra !== undefined) {
          for (const key in extra) {
            if (info[key] === undefined) info[key] = extra[key];
          }
        }
      } catch {
        // A log line is worth more than its ids: pass it on as it is.
      }
      return record;
    },
  };
}
