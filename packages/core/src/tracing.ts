import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TraceContext } from './context.js';
import { createErrorLog, type ErrorLogExtra, type RequestFailure } from './lifecycle/error-log.js';
import { lifecycleWith, type RequestDone, type RequestLifecycle } from './lifecycle/index.js';
import type { LevelOption } from './lifecycle/line-level.js';
import { type RequestIdOptions, resolveOptions } from './lifecycle/options.js';
import { createRequestLog, targetFor } from './lifecycle/request-log.js';
import type { TraceFieldsOptions } from './trace-fields.js';

/** The request line's options in an adapter; hooks get the framework's request object. */
export interface RequestLogSettings<Subject> {
  /** Where the line goes. Default: the `logger` of the middleware. */
  logger?: object;
  /** A level of the logger, or a function of the outcome; `'silent'` writes nothing.
   * Default: 5xx `error`, 4xx and aborted `warn`, else `info`. */
  level?: LevelOption<RequestDone>;
  /** Requests for which no line is written. */
  skip?: (subject: Subject) => boolean;
  /** The line's message: a template with {method} {path} {route} {status} {duration}
   * {ttfb} {aborted}, or a function. Default `'{method} {path} {status} {duration}ms'`. */
  message?: string | ((done: RequestDone) => string);
  /** Extra fields for the request line (they never replace the standard ones). */
  lineFields?: (subject: Subject) => Record<string, unknown> | undefined;
  /** Request headers to log as `http.request.header.<name>`. Default none. */
  requestHeaders?: readonly string[];
  /** Response headers to log as `http.response.header.<name>`. Default none. */
  responseHeaders?: readonly string[];
  /** Headers whose values are `[REDACTED]` even when listed. Default: authorization,
   * proxy-authorization, cookie, set-cookie. */
  redactHeaders?: readonly string[];
  /** Log `url.query`, its secrets redacted. Default `true`. */
  query?: boolean;
  /** Query parameters whose values are redacted. Default: common secrets (token, password…). */
  redactQuery?: readonly string[];
}

/** The error line's options in an adapter. */
export interface ErrorLogSettings {
  /** Where the line goes. Default: the `logger` of the middleware. */
  logger?: object;
  /** A level of the logger, or a function of the failure; `'silent'` writes nothing.
   * Default: `warn` for a 4xx status, else `error`. */
  level?: LevelOption<RequestFailure>;
  /** Extra fields for the error line (they never replace the standard ones). */
  lineFields?: (failure: RequestFailure) => Record<string, unknown> | undefined;
}

/**
 * The options every adapter's `tracing()` takes, with the same names and meanings. Hooks get
 * the framework's request object (`Subject`); `trustIncoming` and `contextFields`, which run
 * when the request's context starts, get `Early` — the same object, except in a framework
 * that makes its request object later (Fastify: the raw `IncomingMessage`).
 */
export interface TracingOptions<Subject, Logger extends object = object, Early = Subject> {
  /** Your Winston or pino logger, as it is: `req.log`/`ctx.log` are bound to the request
   * from it, and the request and error lines go to it. */
  logger?: Logger;
  /** Names of the id fields on lines of a logger whose format does not write them (default
   * `trace_id`, `span_id`, `trace_flags`); `false` leaves the ids to the logger's format. */
  ids?: TraceFieldsOptions | false;
  /** Continue an incoming `traceparent` and request id: `true` (default), `false` (an edge
   * facing untrusted clients), or a function of the request. */
  trustIncoming?: boolean | ((subject: Early) => boolean);
  /** The trace on the response: `true`/`'server-timing'` (a `Server-Timing` metric),
   * `'traceresponse'`, or `false` (default). */
  traceResponse?: boolean | 'server-timing' | 'traceresponse';
  /** Give each request a request id: `true` for `x-request-id`, or options. Default `false`. */
  requestId?: boolean | RequestIdOptions;
  /** Whether a trace started here is sampled. Default `true`. */
  sampled?: boolean;
  /** Fields every line of the request carries (its context's `fields`). */
  contextFields?: (subject: Early) => Readonly<Record<string, unknown>> | undefined;
  /** The request line's options, or `false` for none. Needs a logger. */
  requestLog?: RequestLogSettings<Subject> | false;
  /** The error line's options, or `false` for none. On by default with a logger. */
  errorLog?: ErrorLogSettings | false;
}

/** What an adapter tells core about its framework. */
export interface TracingAdapter<Subject, Early = Subject> {
  /** The package, first in every error message: `@tracebridge/express`. */
  readonly pkg: string;
  /** The framework's request object for a Node request (what hooks get). */
  subject(req: IncomingMessage): Subject;
  /** What `trustIncoming` and `contextFields` get, when the context starts. Default
   * `subject`. */
  early?(req: IncomingMessage): Early;
  /** `http.route`: the matched route's pattern. */
  route(req: IncomingMessage, res: ServerResponse): string | undefined;
  /** `client.address`. Default: the socket's peer. */
  clientAddress?(req: IncomingMessage): string | undefined;
  /** The logger the framework makes its own per-request loggers from (Fastify's
   * `fastify.log`): `bindLog(context, child)` binds such a child with the `ids` settings.
   * Default: the `logger` option. */
  frameworkLogger?: object;
}

/** What an adapter mounts: the lifecycle, the bound logger and the error line. */
export interface Tracing {
  readonly lifecycle: RequestLifecycle;
  /** `req.log`/`ctx.log` for a request's context: the logger bound to it — or `from`, a
   * child of the adapter's `frameworkLogger` made for the request (Fastify's), bound the
   * same way. `undefined` without either logger. */
  readonly bindLog: ((context: TraceContext, from?: object) => unknown) | undefined;
  /** For a framework that makes its own per-request child of its `frameworkLogger`
   * (Fastify's child logger factory): that child, made by `make(options)` with the child
   * options that bind it to `context` — one child per request, not a child of it.
   * `undefined` without a framework logger. */
  readonly childLog:
    | ((
        context: TraceContext,
        parent: object,
        options: object | undefined,
        make: (options: object | undefined) => unknown,
      ) => unknown)
    | undefined;
  /** Writes the error line for a request (and marks the request failed); `undefined` with
   * `errorLog: false` or no logger. */
  readonly logError:
    | ((error: unknown, req: IncomingMessage, extra?: ErrorLogExtra) => void)
    | undefined;
}

const OPTIONS = [
  'logger',
  'ids',
  'trustIncoming',
  'traceResponse',
  'requestId',
  'sampled',
  'contextFields',
  'requestLog',
  'errorLog',
];

function isOptions(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks an adapter's `tracing()` options, once, and builds what the middleware mounts. Every
 * mistake is a `TypeError` now, starting with the adapter's package name: the same message
 * from every adapter.
 *
 * @example
 * const { lifecycle, bindLog } = createTracing(options, {
 *   pkg: '@tracebridge/fastify',
 *   subject: (req) => req,
 *   route: () => undefined,
 * });
 */
export function createTracing<Subject, Early = Subject>(
  options: TracingOptions<Subject, object, Early> | undefined,
  adapter: TracingAdapter<Subject, Early>,
): Tracing {
  const fail = (message: string): never => {
    throw new TypeError(`${adapter.pkg}: ${message}`);
  };
  const given = options === undefined ? {} : options;
  if (!isOptions(given)) fail(`tracing(options) expects an object, got ${describe(given)}`);
  for (const key of Object.keys(given)) {
    if (!OPTIONS.includes(key)) {
      fail(`unknown option "${key}" (the options are ${OPTIONS.join(', ')})`);
    }
  }
  const opts = given as TracingOptions<Subject, object, Early>;
  const { logger, ids, requestLog = {}, errorLog = {} } = opts;
  if (requestLog !== false && !isOptions(requestLog)) {
    fail(`requestLog must be request log options or false, got ${describe(requestLog)}`);
  }
  if (errorLog !== false && !isOptions(errorLog)) {
    fail(`errorLog must be error log options or false, got ${describe(errorLog)}`);
  }
  const target = logger === undefined ? undefined : targetFor(logger, ids, fail, adapter.pkg);
  const { subject } = adapter;
  const early = adapter.early ?? (subject as unknown as (req: IncomingMessage) => Early);
  const hook = <T, S = Subject>(name: string, value: unknown) => {
    if (value !== undefined && typeof value !== 'function') fail(`${name} must be a function`);
    return value as ((s: S) => T) | undefined;
  };
  const trustIncoming = opts.trustIncoming;
  const trust =
    typeof trustIncoming === 'function'
      ? (req: IncomingMessage) => trustIncoming(early(req))
      : trustIncoming;
  const contextFields = hook<Readonly<Record<string, unknown>> | undefined, Early>(
    'contextFields',
    opts.contextFields,
  );

  // The request's own options first, then the lines': mistakes are reported in that order.
  const resolved = resolveOptions(
    {
      ...(trust !== undefined && { trustIncoming: trust }),
      ...(opts.traceResponse !== undefined && { traceResponse: opts.traceResponse }),
      ...(opts.requestId !== undefined && { requestId: opts.requestId }),
      ...(opts.sampled !== undefined && { sampled: opts.sampled }),
      ...(contextFields && { contextFields: (req) => contextFields(early(req)) }),
    },
    fail,
  );

  let onDone: ((done: RequestDone) => void) | undefined;
  if (requestLog !== false) {
    const { logger: lineLogger, skip, lineFields, ...rest } = requestLog;
    const lineFail = (message: string): never => fail(`requestLog: ${message}`);
    if (lineLogger === undefined && target === undefined) {
      fail('the request line needs a logger: give tracing({ logger }), or requestLog: false');
    }
    const skipHook = hook<boolean>('requestLog.skip', skip);
    const fieldsHook = hook<Record<string, unknown> | undefined>(
      'requestLog.lineFields',
      lineFields,
    );
    onDone = createRequestLog(
      {
        ...rest,
        logger: lineLogger ?? (logger as object),
        ...(skipHook && { skip: (req) => skipHook(subject(req)) }),
        ...(fieldsHook && { lineFields: (req) => fieldsHook(subject(req)) }),
        route: adapter.route,
        ...(adapter.clientAddress && { clientAddress: adapter.clientAddress }),
      },
      lineFail,
      lineLogger === undefined ? target : targetFor(lineLogger, ids, lineFail, adapter.pkg),
    );
  }

  let logError: Tracing['logError'];
  const errorLogger = errorLog === false ? undefined : (errorLog.logger ?? logger);
  if (errorLog !== false && errorLogger !== undefined) {
    const errorFail = (message: string): never => fail(`errorLog: ${message}`);
    logError = createErrorLog(
      { ...errorLog, logger: errorLogger },
      errorFail,
      errorLog.logger === undefined ? target : targetFor(errorLogger, ids, errorFail, adapter.pkg),
    );
  }

  const frameworkTarget =
    adapter.frameworkLogger === undefined
      ? target
      : targetFor(adapter.frameworkLogger, ids, fail, adapter.pkg);
  let bindLog: Tracing['bindLog'];
  if (target !== undefined || frameworkTarget !== undefined) {
    bindLog = (context, from) =>
      from === undefined ? target?.bind(context) : frameworkTarget?.bindFrom(from, context);
  }

  return {
    lifecycle: lifecycleWith({ ...resolved, onDone }, onDone && { pkg: adapter.pkg }),
    bindLog,
    childLog:
      frameworkTarget === undefined
        ? undefined
        : (context, parent, options, make) =>
            frameworkTarget.childOf(parent, context, options, make),
    logError,
  };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? JSON.stringify(value) : typeof value;
}
