import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RequestLoggerOptions, requestLogger } from './request-logger.js';
import { type TraceContextOptions, traceContext } from './trace-context.js';

/** Options of {@link tracing}: those of traceContext, and of requestLogger under `requestLog`
 * (its logger defaults to `logger`; `false` mounts no request logging). */
export interface TracingOptions extends TraceContextOptions {
  requestLog?: Partial<RequestLoggerOptions> | false;
}

type Handler = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * One call for the usual setup: {@link traceContext} and {@link requestLogger}, in that
 * order, as an array `app.use()` takes.
 *
 * @example
 * app.use(tracing({ logger, traceResponse: true, requestLog: { skip: (req) => req.url === '/health' } }));
 */
export function tracing(options: TracingOptions = {}): Handler[] {
  const { requestLog = {}, ...contextOptions } = options;
  const handlers: Handler[] = [traceContext(contextOptions)];
  if (requestLog !== false) {
    const logger = requestLog.logger ?? contextOptions.logger;
    if (logger === undefined) {
      throw new TypeError('@tracebridge/express: tracing() needs a logger (or requestLog: false)');
    }
    handlers.push(requestLogger({ ...requestLog, logger }));
  }
  return handlers;
}
