import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createRequestLifecycle,
  createRequestLog,
  type RequestLogOptions,
} from '@tracebridge/core';

/** Options of {@link requestLogger}: core's request log, with Express's route and `req.ip`. */
export type RequestLoggerOptions = Omit<RequestLogOptions, 'route'>;

type Next = (error?: unknown) => void;

interface ExpressRequest extends IncomingMessage {
  route?: { path?: unknown };
  baseUrl?: string;
  ip?: string;
}

/** `http.route`: the matched route's pattern, under the routers it is mounted in. */
export function expressRoute(req: IncomingMessage): string | undefined {
  const { route, baseUrl } = req as ExpressRequest;
  if (route === undefined || route === null || route.path === undefined) return undefined;
  const path = typeof route.path === 'string' ? route.path : String(route.path);
  return `${typeof baseUrl === 'string' ? baseUrl : ''}${path}` || '/';
}

function expressClientAddress(req: IncomingMessage): string | undefined {
  const ip = (req as ExpressRequest).ip;
  return typeof ip === 'string' && ip !== '' ? ip : req.socket?.remoteAddress;
}

/**
 * Express middleware: one log line per request, exactly once — when the response finishes,
 * or when it is aborted (marked `aborted: true`) — with the request's own ids however late
 * or from wherever the response was ended. Fields use OpenTelemetry's HTTP semantic
 * conventions (`http.request.method`, `url.path`, `http.route`,
 * `http.response.status_code`, …) plus `duration_ms` and `time_to_first_byte_ms`. Mount it
 * before your routes; it starts the request context itself when {@link traceContext} did
 * not.
 *
 * @example
 * app.use(traceContext({ logger }));
 * app.use(requestLogger({ logger, skip: (req) => req.url === '/health' }));
 */
/** The request-line writer with Express's route and client address. */
export function expressRequestLog(options: RequestLoggerOptions) {
  return createRequestLog({
    clientAddress: expressClientAddress,
    ...options,
    route: (req) => expressRoute(req),
  });
}

export function requestLogger(options: RequestLoggerOptions) {
  const onDone = expressRequestLog(options);
  const lifecycle = createRequestLifecycle({ onDone });
  return function tracebridgeRequestLogger(
    req: IncomingMessage,
    res: ServerResponse,
    next: Next,
  ): void {
    lifecycle.handle(req, res, next);
  };
}
