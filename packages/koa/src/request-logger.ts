import {
  createErrorLog,
  createRequestLifecycle,
  createRequestLog,
  type ErrorLogOptions,
  type RequestDone,
  type RequestLogOptions,
  run,
  type TraceContext,
} from '@tracebridge/core';
import {
  type KoaContextLike,
  type KoaNext,
  koaErrorStatus,
  koaResponse,
  koaRoute,
  rememberContext,
} from './koa-context.js';

/** Options of {@link requestLogger}: core's request log (the route comes from @koa/router),
 * and how errors thrown downstream are logged. */
export interface RequestLoggerOptions extends Omit<RequestLogOptions, 'route'> {
  /** Options of the error line; `false` logs no error line. Default: the same logger, level
   * `error` for a 5xx and `warn` for a 4xx. */
  errors?: Partial<ErrorLogOptions> | false;
}

/**
 * Koa middleware: one log line per request, exactly once, after the response is really
 * finished (or aborted), with the same OpenTelemetry semantic-convention fields and options
 * as the Express adapter; `http.route` from @koa/router's matched route. An error thrown
 * downstream is logged with the request's ids — the status Koa will send, `exception.type`,
 * message and stack — and re-thrown, so Koa's own error handling and `app.on('error')` keep
 * working. Mount it right after traceContext (it starts the request context itself when
 * traceContext is not used).
 *
 * @example
 * app.use(traceContext({ logger }));
 * app.use(requestLogger({ logger }));
 * app.use(router.routes());
 */
export function requestLogger(options: RequestLoggerOptions) {
  const { onDone, onError } = koaRequestLog(options);
  const lifecycle = createRequestLifecycle({ onDone });
  // Not an async function: one promise per request instead of three (each one costs a hook
  // call while AsyncLocalStorage is on, on Node's async_hooks lines).
  return function tracebridgeRequestLogger(ctx: KoaContextLike, next: KoaNext): Promise<unknown> {
    const context = lifecycle.start(ctx.req, ctx.res);
    rememberContext(ctx);
    return runDownstream(context, ctx, next, onError);
  };
}

/** What a request log needs from the middleware that mounts it: the lifecycle's `onDone`,
 * and the handler of errors thrown downstream (undefined: `errors: false`). */
export interface KoaRequestLog {
  onDone: (done: RequestDone) => void;
  onError: ((ctx: KoaContextLike, error: unknown) => never) | undefined;
}

/** The request line's writer and the error line's handler, options checked now. */
export function koaRequestLog(options: RequestLoggerOptions): KoaRequestLog {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('@tracebridge/koa: request log options must be an object');
  const { errors = {}, ...logOptions } = options;
  if (errors !== false && (typeof errors !== 'object' || errors === null))
    throw new TypeError('@tracebridge/koa: errors must be error-log options or false');
  const onDone = createRequestLog({ ...logOptions, route: (req) => koaRoute(req) });
  if (errors === false) return { onDone, onError: undefined };
  const errorOptions: ErrorLogOptions = {
    logger: logOptions.logger,
    level: (_error, status) => (status !== undefined && status < 500 ? 'warn' : 'error'),
  };
  // The request line's extra fields go on the error line too.
  const fields = logOptions.fields;
  if (fields !== undefined) errorOptions.fields = (_error, req) => fields(req, koaResponse(req));
  const logError = createErrorLog({ ...errorOptions, ...errors });
  const onError = (ctx: KoaContextLike, error: unknown): never => {
    logError(error, ctx.req, { route: koaRoute(ctx.req), statusCode: koaErrorStatus(error) });
    throw error;
  };
  return { onDone, onError };
}

/** `next()` in the request's context; an error thrown downstream, synchronously or not,
 * goes to `onError` (which logs it and throws it on). */
export function runDownstream(
  context: TraceContext,
  ctx: KoaContextLike,
  next: KoaNext,
  onError: KoaRequestLog['onError'],
): Promise<unknown> {
  if (onError === undefined) return run(context, next);
  let downstream: Promise<unknown>;
  try {
    downstream = run(context, next);
  } catch (error) {
    return onError(ctx, error);
  }
  return downstream.then(undefined, (error: unknown) => onError(ctx, error));
}
