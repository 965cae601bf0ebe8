import type { IncomingMessage, ServerResponse } from 'node:http';
import { type LogWriter, writerFor } from './log-writer.js';
import type { RequestDone } from './state.js';

export type { RequestLogger } from './log-writer.js';

import type { RequestLogger } from './log-writer.js';

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
  /** Also write `trace_id`/`span_id`/`trace_flags` as fields. Default: only for loggers
   * without `log()` (pino-style); Winston loggers get the ids from `traceFormat`. */
  traceFields?: boolean;
  /** The matched route (`http.route`); given by the framework adapter. */
  route?: (req: IncomingMessage, res: ServerResponse) => string | undefined;
  /** The client address (`client.address`); default the socket's peer. */
  clientAddress?: (req: IncomingMessage) => string | undefined;
}

const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'QUERY',
  'TRACE',
]);
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
const DEFAULT_MESSAGE = '{method} {path} {status} {duration}ms';
const PLACEHOLDERS = new Set(['method', 'path', 'route', 'status', 'duration', 'ttfb', 'aborted']);
const MAX_PATH = 2048;
const MAX_TEXT = 512;
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

function fail(message: string): never {
  throw new TypeError(`@tracebridge/core: ${message}`);
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
 * `network.protocol.version`), `duration_ms`, `time_to_first_byte_ms` and `aborted`, written
 * with the request's captured context. Options are checked here, once.
 *
 * @example
 * const lifecycle = createRequestLifecycle({ onDone: createRequestLog({ logger }) });
 */
export function createRequestLog(options: RequestLogOptions): (done: RequestDone) => void {
  if (typeof options !== 'object' || options === null)
    fail('request log options must be an object');
  for (const key of Object.keys(options))
    if (!OPTIONS.has(key)) fail(`unknown request log option "${key}"`);
  const { logger } = options;
  if (typeof logger !== 'object' || logger === null)
    fail('a request log needs a logger (winston, pino or alike)');
  const write: LogWriter = writerFor(
    logger,
    typeof options.level === 'string' ? options.level : 'info',
  );
  const level = options.level ?? levelForStatus;
  if (typeof level !== 'string' && typeof level !== 'function')
    fail('level must be a level name or a function');
  for (const name of ['skip', 'fields', 'route', 'clientAddress'] as const)
    checkFunction(options[name], name);
  const message = compileMessage(options.message ?? DEFAULT_MESSAGE);
  const requestHeaders = checkNames(options.requestHeaders, 'requestHeaders');
  const responseHeaders = checkNames(options.responseHeaders, 'responseHeaders');
  const redactHeaders = new Set(
    options.redactHeaders === undefined
      ? DEFAULT_REDACT_HEADERS
      : checkNames(options.redactHeaders, 'redactHeaders'),
  );
  const redactQuery = new Set(
    options.redactQuery === undefined
      ? DEFAULT_REDACT_QUERY
      : checkNames(options.redactQuery, 'redactQuery'),
  );
  if (options.query !== undefined && typeof options.query !== 'boolean')
    fail('query must be a boolean');
  if (options.traceFields !== undefined && typeof options.traceFields !== 'boolean')
    fail('traceFields must be a boolean');
  const query = options.query ?? true;
  const traceFields =
    options.traceFields ?? typeof (logger as { log?: unknown }).log !== 'function';

  return function writeRequestLine(done: RequestDone): void {
    const { req, res } = done;
    if (options.skip?.(req, res) === true) return;
    const lineLevel = typeof level === 'function' ? level(done) : level;
    if (lineLevel === 'silent') return;
    const route = callHook(options.route, req, res);
    const record: Record<PropertyKey, unknown> = {};
    const extra = callHook(options.fields, req, res);
    if (extra !== undefined && extra !== null && typeof extra === 'object')
      Object.assign(record, extra);
    const [path, rawQuery] = splitUrl(originalUrl(req));
    const method = typeof req.method === 'string' ? req.method : '';
    if (KNOWN_METHODS.has(method)) record['http.request.method'] = method;
    else {
      record['http.request.method'] = '_OTHER';
      record['http.request.method_original'] = clip(method, 64);
    }
    record['url.path'] = clip(path, MAX_PATH);
    if (query && rawQuery !== undefined && rawQuery !== '')
      record['url.query'] = clip(redactQueryString(rawQuery, redactQuery), MAX_PATH);
    if (typeof route === 'string' && route !== '') record['http.route'] = clip(route, MAX_PATH);
    record['http.response.status_code'] = done.statusCode;
    const userAgent = req.headers['user-agent'];
    if (typeof userAgent === 'string') record['user_agent.original'] = clip(userAgent, MAX_TEXT);
    const client = callHook(options.clientAddress, req, undefined) ?? req.socket?.remoteAddress;
    if (typeof client === 'string') record['client.address'] = client;
    if (typeof req.httpVersion === 'string') record['network.protocol.version'] = req.httpVersion;
    record.duration_ms = round(done.durationMs);
    if (done.timeToFirstByteMs !== undefined)
      record.time_to_first_byte_ms = round(done.timeToFirstByteMs);
    record.aborted = done.aborted;
    if (done.error !== undefined) {
      record['error.type'] = done.error.name || 'Error';
      record['exception.message'] = clip(String(done.error.message), MAX_TEXT * 8);
    }
    for (const name of requestHeaders)
      addHeader(record, `http.request.header.${name}`, req.headers[name], redactHeaders.has(name));
    for (const name of responseHeaders)
      addHeader(
        record,
        `http.response.header.${name}`,
        res.getHeader(name),
        redactHeaders.has(name),
      );
    write(lineLevel, message(done, method, path, route), record, done.context, traceFields);
  };
}

/** A request line's message, from the outcome and what the line computed already. */
type MessageOf = (
  done: RequestDone,
  method: string,
  path: string,
  route: string | undefined,
) => string;

function compileMessage(message: string | ((done: RequestDone) => string)): MessageOf {
  if (typeof message === 'function') return (done) => String(message(done));
  if (typeof message !== 'string') fail('message must be a template string or a function');
  for (const [, name] of message.matchAll(/\{(\w+)\}/g)) {
    if (!PLACEHOLDERS.has(name ?? ''))
      fail(`message template: unknown placeholder {${name}} (${[...PLACEHOLDERS].join(', ')})`);
  }
  // The default, written out: one template literal instead of a loop over its parts.
  if (message === DEFAULT_MESSAGE)
    return (done, method, path) =>
      `${clip(method, 64)} ${clip(path, 256)} ${String(done.statusCode)} ${msText(done.durationMs)}ms`;
  // Compiled once: literal text at even indexes, placeholder names at odd ones.
  const parts = message.split(/\{(\w+)\}/);
  return (done, method, path, route) => {
    let out = parts[0] as string;
    for (let i = 1; i < parts.length; i += 2)
      out += placeholder(parts[i] as string, done, method, path, route) + (parts[i + 1] as string);
    return out;
  };
}

function placeholder(
  name: string,
  done: RequestDone,
  method: string,
  path: string,
  route: string | undefined,
): string {
  switch (name) {
    case 'method':
      return clip(method, 64);
    case 'path':
      return clip(path, 256);
    case 'route':
      return route ?? '';
    case 'status':
      return String(done.statusCode);
    case 'duration':
      return msText(done.durationMs);
    case 'ttfb':
      return done.timeToFirstByteMs === undefined ? '' : msText(done.timeToFirstByteMs);
    default:
      return done.aborted ? 'aborted' : '';
  }
}

function originalUrl(req: IncomingMessage): string {
  const original = (req as { originalUrl?: unknown }).originalUrl;
  if (typeof original === 'string') return original;
  return typeof req.url === 'string' ? req.url : '';
}

function splitUrl(url: string): [string, string | undefined] {
  const q = url.indexOf('?');
  return q === -1 ? [url, undefined] : [url.slice(0, q), url.slice(q + 1)];
}

function redactQueryString(query: string, redact: ReadonlySet<string>): string {
  if (redact.size === 0) return query;
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq === -1 ? pair : pair.slice(0, eq);
      let name: string;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' ')).toLowerCase();
      } catch {
        name = rawName.toLowerCase();
      }
      return eq !== -1 && redact.has(name) ? `${rawName}=REDACTED` : pair;
    })
    .join('&');
}

function addHeader(
  record: Record<PropertyKey, unknown>,
  key: string,
  value: unknown,
  redact: boolean,
): void {
  if (value === undefined) return;
  const values = (Array.isArray(value) ? value : [value]).map((v) =>
    redact ? '[REDACTED]' : clip(String(v), MAX_TEXT),
  );
  record[key] = values;
}

function clip(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * `String(round(ms))`, the same text, built from whole microseconds: a double's shortest
 * decimal form costs ~3x these few integer steps, once per message.
 */
export function msText(ms: number): string {
  const micros = Math.round(ms * 1000);
  if (!(micros >= 0 && micros <= 0x7fffffff)) return String(round(ms));
  const whole = Math.trunc(micros / 1000);
  const frac = micros - whole * 1000;
  if (frac === 0) return `${whole}`;
  if (frac % 10 !== 0) return `${whole}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}`;
  if (frac % 100 !== 0) return `${whole}.${frac < 100 ? '0' : ''}${frac / 10}`;
  return `${whole}.${frac / 100}`;
}

/** Calls a user hook, if given: one that throws must not cost the request its line. */
function callHook<A, B, R>(hook: ((a: A, b: B) => R) | undefined, a: A, b: B): R | undefined {
  if (hook === undefined) return undefined;
  try {
    return hook(a, b);
  } catch {
    return undefined;
  }
}
