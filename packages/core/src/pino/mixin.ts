import type { TraceContext } from '../context.js';
import { boundContext, current } from '../current.js';
import { noteLine } from '../doctor-hook.js';
import { capturedContext } from '../log-record.js';
import { bindingOf } from '../pino-child.js';
import { type TraceFieldsOptions, traceFieldsWriter } from '../trace-fields.js';

/** A pino `mixin`: what it returns is merged into the line (the call's own fields win). */
export type TraceMixin = (
  mergeObject: object,
  level: number,
  logger: unknown,
) => Record<string, unknown>;

/** Options of {@link traceMixin}: the id fields' names, and a mixin of yours to keep. */
export interface TraceMixinOptions extends TraceFieldsOptions {
  /** Your own mixin: its fields come first; the ids never replace one of them. */
  mixin?(mergeObject: object, level: number, logger: unknown): object;
}

const kIdsWritten = Symbol.for('@tracebridge/core.idsWritten');

/** Marks a record whose ids tracebridge wrote already (a request or error line): a mixin
 * leaves it alone, so that a line never has two sets of ids. */
export function markIdsWritten(record: Record<PropertyKey, unknown>): void {
  record[kIdsWritten] = true;
}

function fail(message: string): never {
  throw new TypeError(`@tracebridge/core/pino: traceMixin: ${message}`);
}

/**
 * A pino `mixin` that writes the trace ids on every line — `trace_id`, `span_id`,
 * `trace_flags` by default, or the ECS, Datadog, camelCase or your own names, as
 * `traceFormat` for Winston — plus the context's request id and fields. pino calls it at
 * each log call, so it reads the context of that call: the one a tracebridge line carries
 * (the request line's), else the one a bound logger (`req.log`) was bound to — or, inside a
 * child span of that request, the child's — else the current one. Fields of the call and of
 * your own mixin are never replaced. It never throws: a line is worth more than its ids.
 *
 * @example
 * const logger = pino({ mixin: traceMixin({ preset: 'ecs' }) });
 */
export function traceMixin(options: TraceMixinOptions = {}): TraceMixin {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  const { mixin: own, ...fieldOptions } = options;
  if (own !== undefined && typeof own !== 'function') fail('mixin must be a function');
  const write = traceFieldsWriter(fieldOptions, fail);
  return function tracebridgeMixin(mergeObject, level, logger) {
    let fields: Record<PropertyKey, unknown> = {};
    if (own !== undefined) {
      const theirs = own(mergeObject, level, logger);
      if (typeof theirs === 'object' && theirs !== null) fields = theirs as typeof fields;
    }
    try {
      const ctx = contextOfLine(mergeObject, logger);
      if (ctx !== undefined) write(fields, ctx);
    } catch {
      // A line is worth more than its ids.
    }
    return fields as Record<string, unknown>;
  };
}

/** The context a line belongs to; `undefined` when it has none, or its ids are written. */
function contextOfLine(mergeObject: object, logger: unknown): TraceContext | undefined {
  const record = mergeObject as Record<PropertyKey, unknown>;
  // A line tracebridge wrote carries its context, and its ids when it wrote them.
  const captured = capturedContext(record);
  if (captured !== undefined)
    return record[kIdsWritten] === true ? undefined : (captured ?? undefined);
  const binding = bindingOf(logger);
  if (binding !== undefined) return binding.formatted ? undefined : boundContext(binding.ctx);
  const ctx = current();
  noteLine(ctx);
  return ctx;
}
