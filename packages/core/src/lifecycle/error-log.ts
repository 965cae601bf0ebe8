import type { IncomingMessage } from 'node:http';
import { type ChildLogger, type WritableLogger, writeLine } from '../bind-logger.js';
import { current } from '../current.js';
import { idFields } from '../log-record.js';
import { recordRequestError, requestContext } from './done.js';
import { checkLineLogger, type RequestLogger } from './request-log.js';

/** Options of {@link createErrorLog}. */
export interface ErrorLogOptions {
  /** A Winston logger, or a pino-style one. */
  logger: RequestLogger;
  /** A level, or a function of the error and the status that will be sent. Default `'error'`. */
  level?: string | ((error: unknown, statusCode: number | undefined) => string);
  /** Extra fields for the line (they never replace the standard ones). */
  fields?: (error: unknown, req: IncomingMessage) => Record<string, unknown> | undefined;
  /** Also write `trace_id`/`span_id`/`trace_flags` as fields on a Winston logger's line.
   * Default `false`. */
  traceFields?: boolean;
}

/** What an adapter adds about the request (the route, the status the framework will send). */
export interface ErrorLogExtra {
  route?: string | undefined;
  statusCode?: number | undefined;
}

const OPTIONS = new Set(['logger', 'level', 'fields', 'traceFields']);

function fail(message: string): never {
  throw new TypeError(`@tracebridge/core: ${message}`);
}

function describeError(error: unknown): { type: string; message: string; stack?: string } {
  if (error instanceof Error) {
    const described = { type: error.name || 'Error', message: String(error.message) };
    return error.stack === undefined ? described : { ...described, stack: error.stack };
  }
  return { type: error === null ? 'null' : typeof error, message: String(error) };
}

/**
 * Builds the error-line writer the adapters share: logs an error a handler failed the request
 * with — `exception.type`, `exception.message`, `exception.stacktrace`, the request's method,
 * route and status — with the request's ids (right even when the error surfaced in a foreign
 * callback), and marks the request failed so that its request line carries `error.type`.
 * Never throws.
 *
 * @example
 * const logError = createErrorLog({ logger });
 * app.use((err, req, res, next) => { logError(err, req); next(err); });
 */
export function createErrorLog(options: ErrorLogOptions) {
  if (typeof options !== 'object' || options === null) {
    fail('error log options must be an object with a logger');
  }
  for (const key of Object.keys(options)) {
    if (!OPTIONS.has(key)) fail(`unknown error log option "${key}"`);
  }
  const { logger, level = 'error', fields } = options;
  const { winstonStyle } = checkLineLogger(logger);
  if (typeof level !== 'function' && (typeof level !== 'string' || level === '')) {
    fail('level must be a level name or a function');
  }
  if (fields !== undefined && typeof fields !== 'function') fail('fields must be a function');
  if (options.traceFields !== undefined && typeof options.traceFields !== 'boolean') {
    fail('traceFields must be a boolean');
  }
  const traceFields = winstonStyle && options.traceFields === true;

  return function writeErrorLine(
    error: unknown,
    req: IncomingMessage,
    extra: ErrorLogExtra = {},
  ): void {
    try {
      recordRequestError(req, error);
      const lineLevel = typeof level === 'function' ? level(error, extra.statusCode) : level;
      if (lineLevel === 'silent') return;
      const { type, message, stack } = describeError(error);
      const record: Record<string, unknown> = {};
      try {
        const extra = fields?.(error, req);
        if (typeof extra === 'object' && extra !== null) Object.assign(record, extra);
      } catch {
        // A throwing fields hook costs its fields, not the line.
      }
      record['exception.type'] = type;
      record['exception.message'] = message;
      if (stack !== undefined) record['exception.stacktrace'] = stack;
      if (typeof req.method === 'string') record['http.request.method'] = req.method;
      if (extra.route !== undefined) record['http.route'] = extra.route;
      if (extra.statusCode !== undefined) record['http.response.status_code'] = extra.statusCode;
      const ctx = requestContext(req) ?? current();
      if (traceFields && ctx !== undefined) Object.assign(record, idFields(ctx));
      writeLine(logger as WritableLogger | ChildLogger, ctx, lineLevel, message, record);
    } catch {
      // Logging must never stand between the error and the framework's error handling.
    }
  };
}
