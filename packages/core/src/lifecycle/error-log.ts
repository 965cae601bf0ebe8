import type { IncomingMessage } from 'node:http';
import { current } from '../current.js';
import { type RequestLogger, writerFor } from './log-writer.js';
import { recordRequestError, requestContext } from './state.js';

/** Options of {@link createErrorLog}. */
export interface ErrorLogOptions {
  /** Winston-style `log(level, message, meta)` or pino-style level methods. */
  logger: RequestLogger;
  /** A level, or a function of the error and the status that will be sent. Default `'error'`. */
  level?: string | ((error: unknown, statusCode: number | undefined) => string);
  /** Extra fields for the line (they never replace the standard ones). */
  fields?: (error: unknown, req: IncomingMessage) => Record<string, unknown> | undefined;
  /** Also write `trace_id`/`span_id`/`trace_flags` as fields (default: pino-style only). */
  traceFields?: boolean;
}

/** What an adapter adds about the request (the route, the status the framework will send). */
export interface ErrorLogExtra {
  route?: string | undefined;
  statusCode?: number | undefined;
}

const OPTIONS = new Set(['logger', 'level', 'fields', 'traceFields']);

function describeError(error: unknown): {
  type: string;
  message: string;
  stack: string | undefined;
} {
  if (error instanceof Error) {
    return { type: error.name || 'Error', message: String(error.message), stack: error.stack };
  }
  return { type: error === null ? 'null' : typeof error, message: String(error), stack: undefined };
}

/**
 * Builds the error-line writer the adapters share: logs an error a handler failed the request
 * with — `exception.type`, `exception.message`, `exception.stacktrace`, the request's method,
 * route and status — in the request's captured context (right even when the error surfaced in
 * a foreign callback), and marks the request failed so its request line carries `error.type`.
 * Never throws.
 *
 * @example
 * const logError = createErrorLog({ logger });
 * app.use((err, req, res, next) => { logError(err, req); next(err); });
 */
export function createErrorLog(options: ErrorLogOptions) {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('@tracebridge/core: error log options must be an object with a logger');
  }
  for (const key of Object.keys(options)) {
    if (!OPTIONS.has(key))
      throw new TypeError(`@tracebridge/core: unknown error log option "${key}"`);
  }
  const { logger, level = 'error', fields } = options;
  if (typeof level !== 'function' && (typeof level !== 'string' || level === '')) {
    throw new TypeError('@tracebridge/core: level must be a level name or a function');
  }
  if (fields !== undefined && typeof fields !== 'function')
    throw new TypeError('@tracebridge/core: fields must be a function');
  const write = writerFor(logger, typeof level === 'string' ? level : 'error');
  const traceFields = options.traceFields ?? !write.winstonStyle;
  return function writeErrorLine(
    error: unknown,
    req: IncomingMessage,
    extra: ErrorLogExtra = {},
  ): void {
    try {
      recordRequestError(req, error);
      const { type, message, stack } = describeError(error);
      const record: Record<PropertyKey, unknown> = {};
      try {
        Object.assign(record, fields?.(error, req));
      } catch {
        // A throwing fields hook costs its fields, not the line.
      }
      record['exception.type'] = type;
      record['exception.message'] = message;
      if (stack !== undefined) record['exception.stacktrace'] = stack;
      if (typeof req.method === 'string') record['http.request.method'] = req.method;
      if (extra.route !== undefined) record['http.route'] = extra.route;
      if (extra.statusCode !== undefined) record['http.response.status_code'] = extra.statusCode;
      const lineLevel = typeof level === 'function' ? level(error, extra.statusCode) : level;
      if (lineLevel === 'silent') return;
      write(lineLevel, message, record, requestContext(req) ?? current(), traceFields);
    } catch {
      // Logging must never stand between the error and the framework's error handling.
    }
  };
}
