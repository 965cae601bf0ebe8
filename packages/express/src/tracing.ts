import type { IncomingMessage, ServerResponse } from 'node:http';
import { expressRequestLog, type RequestLoggerOptions } from './request-logger.js';
import { contextMiddleware, type TraceContextOptions } from './trace-context.js';

/** Options of {@link tracing}: those of traceContext, and of requestLogger under `requestLog`
 * (its logger defaults to `logger`; `false` mounts no request logging). */
export interface TracingOptions extends TraceContextOptions {
  requestLog?: Partial<RequestLoggerOptions> | false;
}

type Handler = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * One call for the usual setup: what {@link traceContext} and {@link requestLogger} do, in
 * a single middleware (one lifecycle start per request), as an array `app.use()` takes.
 *
 * @example
 * app.use(tracing({ logger, traceResponse: true, requestLog: { skip: (req) => req.url === '/health' } }));
 */
export function tracing(options: TracingOptions = {}): Handler[] {
  const { requestLog = {}, ...contextOptions } = options;
  if (requestLog === false) return [contextMiddleware(contextOptions, undefined)];
  const logger = requestLog.logger ?? contextOptions.logger;
  if (logger === undefined) {
    throw new TypeError('@tracebridge/express: tracing() needs a logger (or requestLog: false)');
  }
  return [contextMiddleware(contextOptions, expressRequestLog({ ...requestLog, logger }))];
}
