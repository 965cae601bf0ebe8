import {
  createErrorLog,
  createRequestLifecycle,
  createRequestLog,
  type ErrorLogOptions,
  type RequestLogOptions,
  run,
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
  const { errors = {}, ...logOptions } = options;
  const onDone = createRequestLog({ ...logOptions, route: (req) => koaRoute(req) });
  const lifecycle = createRequestLifecycle({ onDone });
  const errorOptions: ErrorLogOptions = {
    logger: logOptions.logger,
    level: (_error, status) => (status !== undefined && status < 500 ? 'warn' : 'error'),
  };
  // The request line's extra fields go on the error line too.
  const fields = logOptions.fields;
  if (fields !== undefined) errorOptions.fields = (_error, req) => fields(req, koaResponse(req));
  const logError = errors === false ? undefined : createErrorLog({ ...errorOptions, ...errors });
  const onError = (ctx: KoaContextLike, error: unknown): never => {
    logError?.(error, ctx.req, { route: koaRoute(ctx.req), statusCode: koaErrorStatus(error) });
    throw error;
  };
  // Not an async function: one promise per request instead of three (each one costs a hook
  // call while AsyncLocalStorage is on, on Node's async_hooks lines).
  return function tracebridgeRequestLogger(ctx: KoaContextLike, next: KoaNext): Promise<unknown> {
    const context = lifecycle.start(ctx.req, ctx.res);
    rememberContext(ctx);
    let downstream: Promise<unknown>;
    try {
      downstream = run(context, next);
    } catch (error) {
      return onError(ctx, error);
    }
    return downstream.then(undefined, (error: unknown) => onError(ctx, error));
  };
}
