import { bindWritable, type ChildLogger, type WritableLogger } from './bind-logger.js';
import { createTraceContext, type TraceContext } from './context.js';
import { CAPTURED_CONTEXT, kWritesIds, stampRecord } from './log-record.js';
import { markIdsWritten } from './pino/mixin.js';
import { bindChild, childOf } from './pino-child.js';
import { type FieldsWriter, type TraceFieldsOptions, traceFieldsWriter } from './trace-fields.js';
import { warnOnDoubleExport } from './winston/otel-logs.js';

/**
 * The logger an adapter writes its lines to and binds `req.log`/`ctx.log` from — the user's
 * own Winston or pino logger, as it is — checked once, when the middleware is made.
 */
export interface LogTarget {
  readonly kind: 'winston' | 'pino';
  /** The logger, bound to `ctx`: every line of it carries `ctx`'s ids. */
  bind(ctx: TraceContext | undefined): unknown;
  /** `child` — a child of the logger a framework made for the request (Fastify's
   * `request.log`) — bound to `ctx` the same way. */
  bindFrom(child: object, ctx: TraceContext | undefined): unknown;
  /** The child a framework makes of `parent` for the request, through `make(options)`,
   * bound to `ctx` as it is made: one child, not a child of it (see `childOf`). */
  childOf(
    parent: object,
    ctx: TraceContext | undefined,
    options: object | undefined,
    make: (options: object | undefined) => unknown,
  ): unknown;
  /** Writes one line with `ctx`'s ids; `fields` becomes the line. */
  write(
    ctx: TraceContext | undefined,
    level: string,
    message: string,
    fields: Record<string, unknown>,
  ): void;
  /** `wanted` as this logger names it (`warn` is `warning` in syslog levels), if it has it. */
  level(wanted: string): string | undefined;
  /** The logger's level names, for messages. */
  readonly levels: readonly string[];
  /** Reports a mistake found while writing, once, under the package's name. */
  warn(message: string): void;
}

/** How a log target reports a mistake: a `TypeError` naming the package, and a warning. */
export interface TargetReporting {
  fail(message: string): never;
  warn(message: string): void;
}

const LEVEL = Symbol.for('level');
const MESSAGE = Symbol.for('message');
// Ids no request has: what a probe record carries, to see where a logger's format puts them.
const PROBE = createTraceContext({
  traceId: '7b2f1c9e4d5a6b8c0e1f2a3b4c5d6e7f',
  spanId: '9e8d7c6b5a4f3e2d',
  traceFlags: 1,
});

const ALIASES: Record<string, readonly string[]> = {
  warn: ['warning'],
  warning: ['warn'],
  error: ['err'],
};

type Loose = Record<string | symbol, unknown>;

function isObject(value: unknown): value is Loose {
  return typeof value === 'object' && value !== null;
}

function levelsOf(logger: Loose): string[] | undefined {
  const levels = logger.levels;
  if (!isObject(levels)) return undefined;
  // pino: levels.values maps names to numbers; Winston: levels does.
  const map = isObject(levels.values) ? levels.values : levels;
  const names = Object.keys(map).filter((name) => typeof map[name] === 'number');
  return names.length > 0 ? names : undefined;
}

/**
 * Checks `logger` and returns how to write to it. A Winston logger (`log`, `write`,
 * `levels`) or a pino logger (`child`, `levels.values`); anything else is a `TypeError`.
 *
 * A Winston logger whose format does not write the ids (a plain `format.json()`, say) gets
 * them written onto each of its bound lines, under the names `ids` gives (OpenTelemetry's
 * `trace_id`, `span_id`, `trace_flags` by default): it is run once on a probe record, now,
 * to see. When even then its output would not show them (a `printf` that names its own
 * fields), `reporting.warn` says so, once, with the fix.
 */
export function logTarget(
  logger: unknown,
  ids: TraceFieldsOptions | false | undefined,
  reporting: TargetReporting,
): LogTarget {
  if (!isObject(logger)) {
    reporting.fail('logger must be a Winston or pino logger');
  }
  const levels = levelsOf(logger);
  const level = (wanted: string): string | undefined => {
    if (levels === undefined) return wanted;
    if (levels.includes(wanted)) return wanted;
    return ALIASES[wanted]?.find((alias) => levels.includes(alias));
  };
  const writeFields =
    ids === false ? undefined : traceFieldsWriter(ids ?? {}, (m) => reporting.fail(`ids: ${m}`));
  if (typeof logger.log === 'function' && typeof logger.write === 'function') {
    const target = logger as unknown as WritableLogger;
    warnOnDoubleExport(logger, reporting.warn);
    const fields =
      writeFields !== undefined && !writesIds(logger)
        ? checkedFields(logger, writeFields, reporting)
        : undefined;
    return {
      kind: 'winston',
      levels: levels ?? [],
      level,
      warn: reporting.warn,
      bind: (ctx) => bindWritable(target, ctx, fields),
      bindFrom: (child, ctx) => bindWritable(child as WritableLogger, ctx, fields),
      childOf: (_parent, ctx, options, make) =>
        bindWritable(make(options) as WritableLogger, ctx, fields),
      // The one-argument log(info) takes the record as it is; log(level, message, meta)
      // would take the fields for splat arguments when the message holds a %s-like token.
      write: (ctx, lineLevel, message, record) => {
        record.level = lineLevel;
        record.message = message;
        (bindWritable(target, ctx, fields) as unknown as { log(info: object): unknown }).log(
          record,
        );
      },
    };
  }
  if (typeof logger.child === 'function' && levels !== undefined) {
    const target = logger as unknown as ChildLogger;
    // A logger made by createPinoLogger writes the ids itself (its mixin); `ids: false`
    // leaves them to the user's own mixin.
    const fields = writesIds(logger) ? undefined : writeFields;
    // A bound child's ids replace any a mixin wrote (instrumentation-pino's, from whatever
    // span is active): one set per line, the request's.
    const boundFields =
      fields === undefined
        ? undefined
        : traceFieldsWriter(ids || {}, (m) => reporting.fail(`ids: ${m}`), true);
    return {
      kind: 'pino',
      levels,
      level,
      warn: reporting.warn,
      bind: (ctx) => bindChild(target, ctx, boundFields),
      bindFrom: (child, ctx) => bindChild(child as ChildLogger, ctx, boundFields),
      childOf: (parent, ctx, options, make) => childOf(parent, ctx, boundFields, make, options),
      write: (ctx, lineLevel, message, record) => {
        const method = (logger as Loose)[lineLevel];
        if (typeof method !== 'function') return;
        // The mixin, if any, reads the line's context from the record, not from whatever
        // runs now; with the ids written here, it adds none.
        stampRecord(record, ctx);
        if (fields !== undefined && ctx !== undefined) {
          fields(record, ctx);
          markIdsWritten(record);
        }
        method.call(logger, record, message);
      },
    };
  }
  reporting.fail(
    'logger must be a Winston logger (log, write, levels) or a pino logger (child, levels)',
  );
}

/** What a Winston logger's format makes of `record`: the record, and its formatted lines
 * (the logger's, and each transport's that has a format of its own). */
function formatted(logger: Loose, record: Loose): { record: unknown; lines: string[] } {
  const format = logger.format as { transform?: unknown; options?: unknown } | undefined;
  if (typeof format?.transform !== 'function') return { record, lines: [] };
  const out = format.transform(record, format.options) as Loose | false;
  if (!isObject(out)) return { record: out, lines: [] };
  const lines = typeof out[MESSAGE] === 'string' ? [out[MESSAGE] as string] : [];
  const transports = Array.isArray(logger.transports) ? logger.transports : [];
  for (const transport of transports as Loose[]) {
    const own = transport?.format as { transform?: unknown; options?: unknown } | undefined;
    if (typeof own?.transform !== 'function') continue;
    const line = own.transform({ ...out }, own.options) as Loose | false;
    if (isObject(line) && typeof line[MESSAGE] === 'string') lines.push(line[MESSAGE] as string);
  }
  return { record: out, lines };
}

function probeRecord(logger: Loose): Loose {
  const [level = 'info'] = levelsOf(logger) ?? [];
  return { level, message: 'tracebridge probe', [LEVEL]: level };
}

/** Whether the probe's trace id shows in `texts` (as hex, or in Datadog's decimal form). */
function showsId(texts: string[]): boolean {
  const id = PROBE.traceId;
  const decimal = BigInt(`0x${id.slice(16)}`).toString(10);
  return texts.some((text) => text.includes(id) || text.includes(decimal));
}

/** The record's own fields as JSON (its symbols, the mark included, left out). */
function fieldsText(record: unknown): string {
  try {
    return JSON.stringify(record) ?? '';
  } catch {
    return '';
  }
}

/** Whether the logger writes the ids itself: createLogger's, or a format reading the mark. */
function writesIds(logger: Loose): boolean {
  if (logger[kWritesIds] === true) return true;
  try {
    const record = probeRecord(logger);
    record[CAPTURED_CONTEXT] = PROBE;
    return showsId([fieldsText(formatted(logger, record).record)]);
  } catch {
    return false;
  }
}

/** `writeFields`, after checking that the logger's output shows what it writes. */
function checkedFields(logger: Loose, writeFields: FieldsWriter, reporting: TargetReporting) {
  try {
    const record = probeRecord(logger);
    writeFields(record, PROBE);
    const output = formatted(logger, record);
    if (output.lines.length > 0 && !showsId(output.lines)) {
      reporting.warn(
        "the logger's format drops the trace ids from its lines (a printf that names its own " +
          'fields?): put traceFormat() from @tracebridge/core/winston first in its format, or ' +
          'name info.trace_id and info.span_id in it.',
      );
    }
  } catch {
    // A format that throws on a probe still gets the ids; it is the user's to judge.
  }
  return writeFields;
}
