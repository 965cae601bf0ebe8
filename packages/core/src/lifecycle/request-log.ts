import type { IncomingMessage, ServerResponse } from 'node:http';
import { type LogTarget, logTarget } from '../log-target.js';
import type { TraceFieldsOptions } from '../trace-fields.js';
import { warnOnce } from '../warn.js';
import type { RequestDone } from './done.js';
import { type LevelOption, lineLevel } from './line-level.js';
import { compileMessage, DEFAULT_MESSAGE } from './message.js';
import { addRequestLineFields, lineBasics, type RequestLineSettings } from './request-line.js';

/** A logger lines can be written to: a Winston logger, or a pino logger. */
export type RequestLogger = object;

export type { LevelOption } from './line-level.js';

/** Options of {@link createRequestLog}. */
export interface RequestLogOptions {
  /** Where the line goes: your Winston or pino logger, as it is. */
  logger: RequestLogger;
  /** The names of the id fields, for a logger whose format does not write them (default
   * OpenTelemetry's `trace_id`, `span_id`, `trace_flags`); `false` leaves them to it. */
  ids?: TraceFieldsOptions | false;
  /** A level of the logger, or a function of the outcome; `'silent'` writes nothing.
   * Default: 5xx `error`, 4xx and aborted `warn`, else `info`. */
  level?: LevelOption<RequestDone>;
  /** Requests for which no line is written. */
  skip?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** The line's message: a template with {method} {path} {route} {status} {duration}
   * {ttfb} {aborted}, or a function. Default `'{method} {path} {status} {duration}ms'`. */
  message?: string | ((done: RequestDone) => string);
  /** Extra fields for this line (they never replace the standard ones). */
  lineFields?: (req: IncomingMessage, res: ServerResponse) => Record<string, unknown> | undefined;
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
  'ids',
  'level',
  'skip',
  'message',
  'lineFields',
  'requestHeaders',
  'responseHeaders',
  'redactHeaders',
  'query',
  'redactQuery',
  'route',
  'clientAddress',
]);

/** How a factory reports a mistake in its options: a `TypeError` that starts with the
 * package (and the option path, for an adapter's nested options) the user wrote. */
export type Fail = (message: string) => never;

const coreFail: Fail = (message) => {
  throw new TypeError(`@tracebridge/core: ${message}`);
};

function checkNames(value: unknown, name: string, fail: Fail): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) {
    fail(`${name} must be an array of header or parameter names`);
  }
  return value.map((v: string) => v.toLowerCase());
}

/** The log target for `logger`, its warnings reported once under the package's name. */
export function targetFor(
  logger: unknown,
  ids: TraceFieldsOptions | false | undefined,
  fail: Fail,
  pkg = '@tracebridge/core',
): LogTarget {
  if (logger === undefined || logger === null) fail('a logger is needed (Winston or pino)');
  return logTarget(logger, ids, {
    fail: (m) => fail(m),
    warn: (m) => warnOnce('TRACEBRIDGE_LOGGER', `${pkg}: ${m}`),
  });
}

/** The default level: 5xx error, 4xx and aborted warn, else info. */
export function levelForStatus(
  done: Pick<RequestDone, 'statusCode' | 'aborted'>,
): 'error' | 'warn' | 'info' {
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
export function createRequestLog(
  options: RequestLogOptions,
  fail: Fail = coreFail,
  target?: LogTarget,
): (done: RequestDone) => void {
  if (typeof options !== 'object' || options === null) {
    fail('request log options must be an object (or false)');
  }
  for (const key of Object.keys(options)) {
    if (!OPTIONS.has(key)) fail(`unknown request log option "${key}"`);
  }
  const logs = target ?? targetFor(options.logger, options.ids, fail);
  const level = lineLevel(
    options.level,
    'level',
    levelForStatus,
    ['error', 'warn', 'info'],
    logs,
    fail,
  );
  for (const name of ['skip', 'lineFields', 'route', 'clientAddress'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      fail(`${name} must be a function`);
    }
  }
  if (options.query !== undefined && typeof options.query !== 'boolean') {
    fail('query must be a boolean');
  }
  const message = compileMessage(options.message ?? DEFAULT_MESSAGE, fail);
  const settings: RequestLineSettings = {
    requestHeaders: checkNames(options.requestHeaders, 'requestHeaders', fail),
    responseHeaders: checkNames(options.responseHeaders, 'responseHeaders', fail),
    redactHeaders: new Set(
      options.redactHeaders === undefined
        ? DEFAULT_REDACT_HEADERS
        : checkNames(options.redactHeaders, 'redactHeaders', fail),
    ),
    query: options.query ?? true,
    redactQuery: new Set(
      options.redactQuery === undefined
        ? DEFAULT_REDACT_QUERY
        : checkNames(options.redactQuery, 'redactQuery', fail),
    ),
  };
  const { skip, lineFields, route, clientAddress } = options;

  return function writeRequestLine(done: RequestDone): void {
    const { req, res } = done;
    if (skip !== undefined && callHook(() => skip(req, res)) === true) return;
    const lineLevel = level(done);
    if (lineLevel === undefined) return;
    const basics = lineBasics(
      req,
      callHook(() => route?.(req, res)),
    );
    const client = callHook(() => clientAddress?.(req)) ?? req.socket?.remoteAddress;
    // The user's fields first: the standard ones are written over them, never the reverse.
    const record: Record<string, unknown> = {};
    const extra = callHook(() => lineFields?.(req, res));
    if (typeof extra === 'object' && extra !== null) Object.assign(record, extra);
    addRequestLineFields(record, done, basics, client, settings);
    logs.write(done.context, lineLevel, message(done, basics), record);
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
