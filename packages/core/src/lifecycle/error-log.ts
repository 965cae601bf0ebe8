import type { IncomingMessage } from 'node:http';
import { current } from '../current.js';
import type { LogTarget } from '../log-target.js';
import type { TraceFieldsOptions } from '../trace-fields.js';
import { firstErrorLine, recordRequestError, requestContext } from './done.js';
import { type LevelOption, lineLevel } from './line-level.js';
import { type Fail, type RequestLogger, targetFor } from './request-log.js';

/** What an error line is about: the error, the request, the status that will be sent. */
export interface RequestFailure {
  readonly error: unknown;
  readonly req: IncomingMessage;
  readonly statusCode: number | undefined;
}

/** Options of {@link createErrorLog}. */
export interface ErrorLogOptions {
  /** Where the line goes: your Winston or pino logger, as it is. */
  logger: RequestLogger;
  /** The names of the id fields, for a logger whose format does not write them. */
  ids?: TraceFieldsOptions | false;
  /** A level of the logger, or a function of the failure; `'silent'` writes nothing.
   * Default: `warn` for a 4xx status, else `error`. */
  level?: LevelOption<RequestFailure>;
  /** Extra fields for this line (they never replace the standard ones). */
  lineFields?: (failure: RequestFailure) => Record<string, unknown> | undefined;
}

/** What an adapter adds about the request (the route, the status the framework will send). */
export interface ErrorLogExtra {
  route?: string | undefined;
  statusCode?: number | undefined;
}

const OPTIONS = new Set(['logger', 'ids', 'level', 'lineFields']);

const coreFail: Fail = (message) => {
  throw new TypeError(`@tracebridge/core: ${message}`);
};

function describeError(error: unknown): { type: string; message: string; stack?: string } {
  if (error instanceof Error) {
    const described = { type: error.name || 'Error', message: String(error.message) };
    return error.stack === undefined ? described : { ...described, stack: error.stack };
  }
  return { type: error === null ? 'null' : typeof error, message: String(error) };
}

/** The default level of an error line: a client's mistake (4xx) warns, the rest is an error. */
export function levelForFailure(failure: Pick<RequestFailure, 'statusCode'>): 'error' | 'warn' {
  const status = failure.statusCode;
  return status !== undefined && status >= 400 && status < 500 ? 'warn' : 'error';
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
export function createErrorLog(
  options: ErrorLogOptions,
  fail: Fail = coreFail,
  target?: LogTarget,
) {
  if (typeof options !== 'object' || options === null) {
    fail('error log options must be an object (or false)');
  }
  for (const key of Object.keys(options)) {
    if (!OPTIONS.has(key)) fail(`unknown error log option "${key}"`);
  }
  const logs = target ?? targetFor(options.logger, options.ids, fail);
  const level = lineLevel(options.level, 'level', levelForFailure, ['error', 'warn'], logs, fail);
  const { lineFields } = options;
  if (lineFields !== undefined && typeof lineFields !== 'function') {
    fail('lineFields must be a function');
  }

  return function writeErrorLine(
    error: unknown,
    req: IncomingMessage,
    extra: ErrorLogExtra = {},
  ): void {
    try {
      recordRequestError(req, error);
      if (!firstErrorLine(req, error)) return;
      const failure: RequestFailure = { error, req, statusCode: extra.statusCode };
      const lineLevel = level(failure);
      if (lineLevel === undefined) return;
      const { type, message, stack } = describeError(error);
      const record: Record<string, unknown> = {};
      try {
        const fields = lineFields?.(failure);
        if (typeof fields === 'object' && fields !== null) Object.assign(record, fields);
      } catch {
        // A throwing fields hook costs its fields, not the line.
      }
      record['exception.type'] = type;
      record['exception.message'] = message;
      if (stack !== undefined) record['exception.stacktrace'] = stack;
      if (typeof req.method === 'string') record['http.request.method'] = req.method;
      if (extra.route !== undefined) record['http.route'] = extra.route;
      if (extra.statusCode !== undefined) record['http.response.status_code'] = extra.statusCode;
      logs.write(requestContext(req) ?? current(), lineLevel, message, record);
    } catch {
      // Logging must never stand between the error and the framework's error handling.
    }
  };
}
