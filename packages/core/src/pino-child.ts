import type { ChildLogger } from './bind-logger.js';
import type { TraceContext } from './context.js';
import { boundContext } from './current.js';
import { kWritesIds } from './log-record.js';
import type { FieldsWriter } from './trace-fields.js';

/**
 * How a pino-style logger (a `child(bindings, options)`, no `write`) is bound to a context.
 * pino makes a child with `Object.create(parent)`, so what is set on a bound child is seen by
 * every child made from it later.
 */
export const kBoundContext = Symbol.for('@tracebridge/core.pino.boundContext');

// pino's public symbol for a logger's formatters (the same in every pino version).
const kPinoFormatters = Symbol.for('pino.formatters');

/** What a bound pino child carries under {@link kBoundContext}. */
export interface PinoBinding {
  readonly ctx: TraceContext | undefined;
  /** True when the child's own log formatter writes the ids: a mixin must not add them. */
  readonly formatted: boolean;
}

type LogFormatter = (object: Record<PropertyKey, unknown>) => Record<PropertyKey, unknown>;

/** A pino logger's formatters (`undefined` for a logger that is not pino's). */
function formattersOf(logger: unknown): { log?: LogFormatter } | undefined {
  if (typeof logger !== 'object' || logger === null) return undefined;
  return (logger as { [kPinoFormatters]?: { log?: LogFormatter } })[kPinoFormatters];
}

/**
 * A child of `logger` whose lines carry `ctx`'s ids. The ids are written by the child's own
 * pino log formatter (`formatters.log`, which pino runs on each line after any mixin) at
 * each call, in the fields `writeFields` names: inside a child span of the request, the
 * child span's; ids a mixin put on the line (OpenTelemetry's instrumentation-pino, from
 * whatever span is active) are replaced, so a line has one set of ids, this request's. The
 * parent's own log formatter still runs after. A logger made by `createPinoLogger` (whose
 * mixin writes the ids) and an adapter's `ids: false` get a child that only carries the
 * context, for the mixin to read. A child logger that is not pino's (bunyan's) gets the ids
 * as the child's bindings.
 */
export function bindChild(
  logger: ChildLogger,
  ctx: TraceContext | undefined,
  writeFields: FieldsWriter | undefined,
): unknown {
  if (formattersOf(logger) === undefined && writeFields !== undefined && ctx !== undefined) {
    // Another child logger (bunyan's, say): the ids as the child's bindings.
    const bindings: Record<PropertyKey, unknown> = {};
    writeFields(bindings, ctx);
    return mark(logger.child(bindings as Record<string, unknown>), ctx, false);
  }
  return childOf(logger, ctx, writeFields, (options) =>
    options === undefined
      ? logger.child({})
      : (logger.child as (b: object, o: object) => unknown)({}, options),
  );
}

/**
 * {@link bindChild} for a child someone else makes — a framework's per-request logger
 * (Fastify's child logger factory): `make(options)` makes the child of `parent`, with the
 * pino child options that bind it. When `make` drops them (a factory of the user's that
 * ignores its options), or `parent` is not pino's, the child it made is bound by a child of
 * its own.
 */
export function childOf(
  parent: unknown,
  ctx: TraceContext | undefined,
  writeFields: FieldsWriter | undefined,
  make: (options: { formatters?: object } | undefined) => unknown,
  options?: { formatters?: object },
): unknown {
  const byMixin = (parent as { [kWritesIds]?: unknown })[kWritesIds] === true;
  const formatted = !byMixin && writeFields !== undefined && ctx !== undefined;
  if (!formatted) return mark(make(options), ctx, false);
  const previous = formattersOf(parent)?.log;
  const log: LogFormatter = (object) => {
    const now = boundContext(ctx);
    if (now !== undefined) writeFields(object, now);
    return previous === undefined ? object : previous(object);
  };
  const child = make({ ...options, formatters: { ...options?.formatters, log } });
  if (formattersOf(child)?.log !== log) return bindChild(child as ChildLogger, ctx, writeFields);
  return mark(child, ctx, true);
}

/** Marks `child` as bound to `ctx`, for {@link bindingOf}. */
function mark(child: unknown, ctx: TraceContext | undefined, formatted: boolean): unknown {
  if (typeof child === 'object' && child !== null && Object.isExtensible(child)) {
    const binding: PinoBinding = { ctx, formatted };
    Object.defineProperty(child, kBoundContext, { value: binding, configurable: true });
  }
  return child;
}

/** The binding of a pino logger bound by {@link bindChild} (or a child of one). */
export function bindingOf(logger: unknown): PinoBinding | undefined {
  if (typeof logger !== 'object' || logger === null) return undefined;
  return (logger as { [kBoundContext]?: PinoBinding })[kBoundContext];
}
