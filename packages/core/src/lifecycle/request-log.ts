import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ChildLogger, type WritableLogger, writeLine } from '../bind-logger.js';
import { idFields } from '../log-record.js';
import type { RequestDone } from './done.js';
import { compileMessage, DEFAULT_MESSAGE } from './message.js';
import { addRequestLineFields, lineBasics, type RequestLineSettings } from './request-line.js';

/** A logger a request or error line can be written to: Winston-style
 * `log(info)`, or pino-style `logger[level](fields, message)` with `child()`. */
export type RequestLogger =
  | { log(info: Record<PropertyKey, unknown>): unknown; write(info: unknown): unknown }
  | { child(bindings: Record<string, unknown>): unknown }
  | object;

/** What decides a request line's level. */
export type LevelOption = string | ((done: RequestDone) => string);

/** Options of {@link createRequestLog}. */
export interface RequestLogOptions {
  /** Where the line goes. */
  logger: RequestLogger;
  /** A level, or a function of the outcome; `'silent'` writes nothing. Default: 5xx `error`,
   * 4xx and aborted `warn`, else `info`. */
  level?: LevelOption;
  /** Requests for which no line is written. */
  skip?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** The line's message: a template with {method} {path} {route} {status} {duration}
   * {ttfb} {aborted}, or a function. Default `'{method} {path} {status} {duration}ms'`. */
  message?: string | ((done: RequestDone) => string);
  /** Extra fields for the line (they never replace the standard ones). */
  fields?: (req: IncomingMessage, res: ServerResponse) => Record<string, unknown> | undefined;
  /** Request headers to log as `http.request.header.<name>`. Default none (user agent is
   * `user_agent.original`). */
  requestHeaders?: readonly string[];
  /** Response headers to log as `http.response.header.<name>`. Default none. */
  responseHeaders?: readonly string[];
  /** Headers whose values are replaced by `[REDACTED]` even when listed. Default:
   * authorization, proxy-authorization, cookie, set-cookie. */
  redactHeaders?: readonly string[];
  /** Log `url.query` (query parameters named in `redactQuery` redacted). Default `true`. */
  query?: boolean;
  /** Query parameters whose values are redacted. Default: common secrets (token, password…). */
  redactQuery?: readonly string[];
  /** Also write `trace_id`/`span_id`/`trace_flags` as fields on a Winston logger's line
   * (one without a tracebridge format). A pino-style logger always gets them. Default `false`. */
  traceFields?: boolean;
  /** The matched route (`http.route`); given by the framework adapter. */
  route?: (req: IncomingMessage, res: ServerResponse) => string | undefined;
  /** The client address (`client.address`); default the socket's peer. */
  clientAddress?: (req: IncomingMessage) => string | undefined;
}

const DEFAULT_REDACT_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];
const DEFAULT_REDACT_QUERY = [
  'access_token',
  'api_key',
  'apikey',
  'auth',
  'client_secret',
  'code',
  'key',
  'password',
  'secret',
  'sig',
  'signature',
  'token',
  'x-amz-signature',
  'awsaccesskeyid',
];
const OPTIONS = new Set([
  'logger',
  'level',
  'skip',
  'message',
  'fields',
  'requestHeaders',
  'responseHeaders',
  'redactHeaders',
  'query',
  'redactQuery',
  'traceFields',
  'route',
  'clientAddress',
]);
const PREFIX = '@tracebridge/core';

function fail(message: string): never {
  throw new TypeError(`${PREFIX}: ${message}`);
}

function checkFunction(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'function') fail(`${name} must be a function`);
}

function checkNames(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) {
    fail(`${name} must be an array of names`);
  }
  return value.map((v: string) => v.toLowerCase());
}

/** Whether `logger` can take a request line, and whether it is Winston-style. */
export function checkLineLogger(logger: unknown): { winstonStyle: boolean } {
  if (typeof logger !== 'object' || logger === null) {
    fail('a request log needs a logger (winston, pino or alike)');
  }
  const target = logger as Record<string, unknown>;
  if (typeof target.log === 'function' && typeof target.write === 'function') {
    return { winstonStyle: true };
  }
  if (typeof target.child === 'function' && typeof target.info === 'function') {
    return { winstonStyle: false };
  }
  fail('the logger needs log(info) and write() (winston) or child() and level methods (pino)');
}

/** The default level: 5xx error, 4xx and aborted warn, else info. */
export function levelForStatus(done: Pick<RequestDone, 'statusCode' | 'aborted'>): string {
  if (done.statusCode >= 500) return 'error';
  if (done.statusCode >= 400 || done.aborted) return 'warn';
  return 'info';
}

/**
 * Builds the request-line writer that adapters hand to a request lifecycle as `onDone`:
 * one line per request with OpenTelemetry HTTP semantic-convention names
 * (`http.request.method`, `url.path`, `url.query`, `http.route`,
 * `http.response.status_code`, `user_agent.original`, `client.address`,
 * `network.protocol.version`), `duration_ms`, `time_to_first_byte_ms` and `aborted`. It is
 * written like any line of `bindLogger(logger, done.context)`: with the request's ids,
 * however late and from wherever it is written. Options are checked here, once.
 *
 * @example
 * const lifecycle = createRequestLifecycle({ onDone: createRequestLog({ logger }) });
 */
export function createRequestLog(options: RequestLogOptions): (done: RequestDone) => void {
  if (typeof options !== 'object' || options === null) {
    fail('request log options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!OPTIONS.has(key)) fail(`unknown request log option "${key}"`);
  }
  const { logger } = options;
  const { winstonStyle } = checkLineLogger(logger);
  const level = options.level ?? levelForStatus;
  if (typeof level !== 'function' && (typeof level !== 'string' || level === '')) {
    fail('level must be a level name or a function');
  }
  for (const name of ['skip', 'fields', 'route', 'clientAddress'] as const) {
    checkFunction(options[name], name);
  }
  if (options.query !== undefined && typeof options.query !== 'boolean') {
    fail('query must be a boolean');
  }
  if (options.traceFields !== undefined && typeof options.traceFields !== 'boolean') {
    fail('traceFields must be a boolean');
  }
  const message = compileMessage(options.message ?? DEFAULT_MESSAGE, PREFIX);
  const settings: RequestLineSettings = {
    requestHeaders: checkNames(options.requestHeaders, 'requestHeaders'),
    responseHeaders: checkNames(options.responseHeaders, 'responseHeaders'),
    redactHeaders: new Set(
      options.redactHeaders === undefined
        ? DEFAULT_REDACT_HEADERS
        : checkNames(options.redactHeaders, 'redactHeaders'),
    ),
    query: options.query ?? true,
    redactQuery: new Set(
      options.redactQuery === undefined
        ? DEFAULT_REDACT_QUERY
        : checkNames(options.redactQuery, 'redactQuery'),
    ),
  };
  const traceFields = winstonStyle && options.traceFields === true;
  const { skip, fields, route, clientAddress } = options;

  return function writeRequestLine(done: RequestDone): void {
    const { req, res } = done;
    if (skip !== undefined && callHook(() => skip(req, res)) === true) return;
    const lineLevel = typeof level === 'function' ? level(done) : level;
    if (lineLevel === 'silent') return;
    const basics = lineBasics(
      req,
      callHook(() => route?.(req, res)),
    );
    const client = callHook(() => clientAddress?.(req)) ?? req.socket?.remoteAddress;
    // The user's fields first: the standard ones are written over them, never the reverse.
    // The user's fields first: the standard ones are written over them, never the reverse.
    const record: Record<string, unknown> = {};
    const extra = callHook(() => fields?.(req, res));
    if (typeof extra === 'object' && extra !== null) Object.assign(record, extra);
    addRequestLineFields(record, done, basics, client, settings);
    if (traceFields) Object.assign(record, idFields(done.context));
    const target = logger as WritableLogger | ChildLogger;
    writeLine(target, done.context, lineLevel, message(done, basics), record);
  };
}

/** Calls a user hook: one that throws must not cost the request its line. */
function callHook<R>(hook: () => R): R | undefined {
  try {
    return hook();
  } catch {
    return undefined;
  }
}
