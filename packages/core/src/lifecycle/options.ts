import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestDone } from './done.js';

/** Request-id handling: read from a header when it is a safe token, else generated. */
export interface RequestIdOptions {
  /** Incoming header to take the id from; `false` never reads one. Default `x-request-id`. */
  header?: string | false;
  /** Response header to echo the id in; `false` for none. Default: the same as `header`. */
  responseHeader?: string | false;
  /** Makes an id when none (or an unsafe one) came in. Default `crypto.randomUUID()`. */
  generate?: () => string;
}

/** Options of {@link createRequestLifecycle}. */
export interface RequestLifecycleOptions {
  /**
   * Whether to continue an incoming `traceparent` (and take an incoming request id).
   * `false` starts a new trace for every request (an edge facing untrusted clients).
   * Default `true`.
   */
  trustIncoming?: boolean | ((req: IncomingMessage) => boolean);
  /**
   * Tells the client the trace of its request on the response: `true` or `'server-timing'`
   * add the W3C Trace Context metric to `Server-Timing` (`trace;desc=00-<trace-id>-<span-id>-
   * <flags>`, readable in a browser through `PerformanceServerTiming`), after the app's own
   * metrics; `'traceresponse'` sets the older `traceresponse` header instead. Default `false`:
   * a response says nothing about the trace.
   */
  traceResponse?: boolean | 'server-timing' | 'traceresponse';
  /** Gives each context a `requestId`. `true` for the defaults. Default `false`. */
  requestId?: boolean | RequestIdOptions;
  /** Fields every log line of the request carries (the context's `fields`). */
  contextFields?: (req: IncomingMessage) => Readonly<Record<string, unknown>> | undefined;
  /** Whether a trace started here (no parent) is sampled. Default `true`. */
  sampled?: boolean;
  /** Called once per request — finished, aborted or failed — in the request's context. */
  onDone?: (done: RequestDone) => void;
}

export interface ResolvedRequestId {
  header: string | undefined;
  responseHeader: string | undefined;
  generate: () => string;
}

export interface ResolvedOptions {
  trustIncoming: (req: IncomingMessage) => boolean;
  traceResponse: 'server-timing' | 'traceresponse' | undefined;
  requestId: ResolvedRequestId | undefined;
  contextFields: RequestLifecycleOptions['contextFields'];
  sampled: boolean;
  onDone: RequestLifecycleOptions['onDone'];
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const KNOWN = new Set([
  'trustIncoming',
  'traceResponse',
  'requestId',
  'contextFields',
  'sampled',
  'onDone',
]);

const coreFail = (message: string): never => {
  throw new TypeError(`@tracebridge/core: ${message}`);
};

const always = (): boolean => true;
const never = (): boolean => false;

/** Checks lifecycle options once, at factory time; the caller's object is not changed. */
export function resolveOptions(
  options: RequestLifecycleOptions = {},
  fail: (message: string) => never = coreFail,
): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    fail('request lifecycle options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) fail(`unknown request lifecycle option "${key}"`);
  }
  const { trustIncoming = true, traceResponse = false, sampled = true } = options;
  if (typeof trustIncoming !== 'boolean' && typeof trustIncoming !== 'function') {
    fail('trustIncoming must be a boolean or a function (req) => boolean');
  }
  if (![true, false, 'server-timing', 'traceresponse'].includes(traceResponse)) {
    fail(
      `traceResponse must be true, false, 'server-timing' or 'traceresponse' (got ${JSON.stringify(traceResponse)})`,
    );
  }
  if (typeof sampled !== 'boolean') fail('sampled must be a boolean');
  if (options.contextFields !== undefined && typeof options.contextFields !== 'function') {
    fail('contextFields must be a function (req) => object');
  }
  if (options.onDone !== undefined && typeof options.onDone !== 'function') {
    fail('onDone must be a function (done) => void');
  }
  const requestId = resolveRequestId(options.requestId, fail);
  const response =
    traceResponse === true ? 'server-timing' : traceResponse === false ? undefined : traceResponse;
  const clash = requestId?.responseHeader?.toLowerCase();
  if (response !== undefined && (clash === response || clash === 'server-timing')) {
    fail(`requestId.responseHeader "${clash}" conflicts with traceResponse: '${response}'`);
  }
  return {
    trustIncoming:
      typeof trustIncoming === 'function' ? trustIncoming : trustIncoming ? always : never,
    traceResponse: response,
    requestId,
    contextFields: options.contextFields,
    sampled,
    onDone: options.onDone,
  };
}

function resolveRequestId(
  value: RequestLifecycleOptions['requestId'],
  fail: (message: string) => never,
) {
  if (value === undefined || value === false) return undefined;
  const options: RequestIdOptions = value === true ? {} : value;
  if (typeof options !== 'object' || options === null) {
    fail('requestId must be a boolean or { header, responseHeader, generate }');
  }
  const header = options.header === undefined ? 'x-request-id' : options.header;
  if (header !== false && (typeof header !== 'string' || !TOKEN.test(header))) {
    fail(`requestId.header must be a header name or false (got ${JSON.stringify(header)})`);
  }
  const responseHeader =
    options.responseHeader === undefined
      ? header === false
        ? undefined
        : header
      : options.responseHeader;
  if (
    responseHeader !== undefined &&
    responseHeader !== false &&
    (typeof responseHeader !== 'string' || !TOKEN.test(responseHeader))
  ) {
    fail(
      `requestId.responseHeader must be a header name or false (got ${JSON.stringify(responseHeader)})`,
    );
  }
  if (options.generate !== undefined && typeof options.generate !== 'function') {
    fail('requestId.generate must be a function () => string');
  }
  return {
    header: header === false ? undefined : header.toLowerCase(),
    responseHeader: responseHeader === false ? undefined : responseHeader,
    generate: options.generate ?? randomUUID,
  };
}
