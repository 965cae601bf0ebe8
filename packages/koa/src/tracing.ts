import { koaRequestLog, type RequestLoggerOptions } from './request-logger.js';
import { contextMiddleware, type TraceContextOptions } from './trace-context.js';

/** Options of {@link tracing}: those of traceContext, and of requestLogger under `requestLog`
 * (its logger defaults to `logger`; `false` mounts no request logging). */
export interface TracingOptions extends TraceContextOptions {
  requestLog?: Partial<RequestLoggerOptions> | false;
}

/**
 * One call for the usual setup: what {@link traceContext} and {@link requestLogger} do, in
 * a single middleware — one lifecycle start and one entry into the request's context per
 * request, where the two middlewares take two of each.
 *
 * @example
 * app.use(tracing({ logger, traceResponse: true, requestLog: { skip: (req) => req.url === '/health' } }));
 */
export function tracing(options: TracingOptions = {}) {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('@tracebridge/koa: tracing() options must be an object');
  const { requestLog = {}, ...contextOptions } = options;
  if (requestLog === false) return contextMiddleware(contextOptions, undefined);
  if (typeof requestLog !== 'object' || requestLog === null)
    throw new TypeError('@tracebridge/koa: requestLog must be request log options or false');
  const logger = requestLog.logger ?? contextOptions.logger;
  if (logger === undefined) {
    throw new TypeError('@tracebridge/koa: tracing() needs a logger (or requestLog: false)');
  }
  return contextMiddleware(contextOptions, koaRequestLog({ ...requestLog, logger }));
}
