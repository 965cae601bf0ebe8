import type { IncomingMessage } from 'node:http';
import type { RequestDone } from './done.js';

/** What the request line records beyond the fixed fields; checked by createRequestLog. */
export interface RequestLineSettings {
  readonly requestHeaders: readonly string[];
  readonly responseHeaders: readonly string[];
  readonly redactHeaders: ReadonlySet<string>;
  readonly query: boolean;
  readonly redactQuery: ReadonlySet<string>;
}

// HTTP semantic conventions: a method outside this list is `_OTHER`, the original kept apart.
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
const MAX_PATH = 2048;
const MAX_TEXT = 512;

/** The parts of a request line that its message template can show too. */
export interface LineBasics {
  readonly method: string;
  readonly path: string;
  readonly route: string | undefined;
}

export function lineBasics(req: IncomingMessage, route: string | undefined): LineBasics {
  const [path] = splitUrl(originalUrl(req));
  return { method: typeof req.method === 'string' ? req.method : '', path, route };
}

/**
 * Adds the request line's fields to `record`, named after OpenTelemetry's HTTP semantic
 * conventions. Every value taken from the request is clipped, and secrets (listed headers,
 * query parameters) are redacted.
 */
export function addRequestLineFields(
  record: Record<string, unknown>,
  done: RequestDone,
  basics: LineBasics,
  clientAddress: string | undefined,
  settings: RequestLineSettings,
): void {
  const { req, res } = done;
  if (KNOWN_METHODS.has(basics.method)) record['http.request.method'] = basics.method;
  else {
    record['http.request.method'] = '_OTHER';
    record['http.request.method_original'] = clip(basics.method, 64);
  }
  record['url.path'] = clip(basics.path, MAX_PATH);
  const [, query] = splitUrl(originalUrl(req));
  if (settings.query && query !== undefined && query !== '') {
    record['url.query'] = clip(redactQuery(query, settings.redactQuery), MAX_PATH);
  }
  if (basics.route !== undefined && basics.route !== '') {
    record['http.route'] = clip(basics.route, MAX_PATH);
  }
  // An aborted request whose head never went out sent no status: none is reported.
  if (statusSent(done)) record['http.response.status_code'] = done.statusCode;
  const userAgent = req.headers['user-agent'];
  if (typeof userAgent === 'string') record['user_agent.original'] = clip(userAgent, MAX_TEXT);
  if (clientAddress !== undefined) record['client.address'] = clientAddress;
  if (typeof req.httpVersion === 'string') record['network.protocol.version'] = req.httpVersion;
  record.duration_ms = roundMs(done.durationMs);
  if (done.timeToFirstByteMs !== undefined) {
    record.time_to_first_byte_ms = roundMs(done.timeToFirstByteMs);
  }
  record.aborted = done.aborted;
  if (done.error !== undefined) {
    record['error.type'] = done.error.name || 'Error';
    record['exception.message'] = clip(String(done.error.message), MAX_TEXT * 8);
  }
  for (const name of settings.requestHeaders) {
    addHeader(record, `http.request.header.${name}`, req.headers[name], settings, name);
  }
  for (const name of settings.responseHeaders) {
    addHeader(record, `http.response.header.${name}`, res.getHeader(name), settings, name);
  }
}

/** Whether the response's status reached the client (not so for a request aborted before
 * its head went out: a framework's default status then was never sent). */
export function statusSent(done: RequestDone): boolean {
  return !done.aborted || done.res.headersSent;
}

/** Milliseconds rounded to the microsecond, as the line and its message show them. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export function clip(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

function originalUrl(req: IncomingMessage): string {
  // Express rewrites req.url inside mounted routers; originalUrl is what the client sent.
  const original = (req as { originalUrl?: unknown }).originalUrl;
  if (typeof original === 'string') return original;
  return typeof req.url === 'string' ? req.url : '';
}

function splitUrl(url: string): [path: string, query: string | undefined] {
  const q = url.indexOf('?');
  return q === -1 ? [url, undefined] : [url.slice(0, q), url.slice(q + 1)];
}

function redactQuery(query: string, redact: ReadonlySet<string>): string {
  if (redact.size === 0) return query;
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      const rawName = pair.slice(0, eq);
      return redact.has(decodeName(rawName)) ? `${rawName}=REDACTED` : pair;
    })
    .join('&');
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

function addHeader(
  record: Record<string, unknown>,
  key: string,
  value: unknown,
  settings: RequestLineSettings,
  name: string,
): void {
  if (value === undefined) return;
  const redact = settings.redactHeaders.has(name);
  const values = Array.isArray(value) ? value : [value];
  record[key] = values.map((v) => (redact ? '[REDACTED]' : clip(String(v), MAX_TEXT)));
}
