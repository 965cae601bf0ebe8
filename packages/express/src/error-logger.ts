import type { IncomingMessage, ServerResponse } from 'node:http';
import { createErrorLog, type ErrorLogOptions } from '@tracebridge/core';
import { expressRoute } from './request-logger.js';

/** Options of {@link errorLogger}: core's error log. */
export type ErrorLoggerOptions = ErrorLogOptions;

type Next = (error?: unknown) => void;

/**
 * Express error middleware: logs the error — `exception.type`, `exception.message`,
 * `exception.stacktrace`, `http.route` — with the request's ids even when the error came
 * from a foreign callback, marks the request failed (its request line gets `error.type`),
 * then passes the error on with `next(err)` so your error handlers still answer.
 *
 * @example
 * app.use(routes);
 * app.use(errorLogger({ logger }));
 * app.use((err, req, res, next) => res.status(500).json({ error: 'internal' }));
 */
export function errorLogger(options: ErrorLoggerOptions) {
  const logError = createErrorLog(options);
  // Four parameters: that is how Express tells error middleware apart.
  return function tracebridgeErrorLogger(
    error: unknown,
    req: IncomingMessage,
    _res: ServerResponse,
    next: Next,
  ): void {
    logError(error, req, { route: expressRoute(req) });
    next(error);
  };
}
