import type { IncomingMessage, ServerResponse } from 'node:http';
import { trace } from '@opentelemetry/api';
import {
  createTracing,
  recordRequestError,
  requestContext,
  run,
  type TraceContext,
  type TracingOptions,
} from '@tracebridge/core';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import fp from 'fastify-plugin';

/**
 * Options of {@link tracing}: core's tracing options. `requestLog`, `errorLog` and the
 * other hooks get Fastify's `request`; `trustIncoming` and `contextFields` run when the
 * request's context starts — before Fastify has made its request object, as its own
 * `genReqId` does — and get the raw `IncomingMessage`.
 */
export type FastifyTracingOptions = TracingOptions<FastifyRequest, object, IncomingMessage>;

// Fastify's request object on the raw request: hooks get it, http.route comes from it.
const kRequest = Symbol('@tracebridge/fastify.request');
// Set on a raw request whose Fastify logger the child logger factory bound.
const kLogBound = Symbol('@tracebridge/fastify.logBound');

type Raw = IncomingMessage & { [kRequest]?: FastifyRequest; [kLogBound]?: true };
type Done = (error?: Error) => void;

function hasLevels(logger: unknown): boolean {
  const levels = (logger as { levels?: { values?: unknown } } | null)?.levels;
  return typeof levels?.values === 'object' && levels.values !== null;
}

let warnedOrder = false;

/**
 * A span of this request that is active before the plugin's hook ran was started by a plugin
 * registered before it (@fastify/otel's request span): the spans that plugin starts later
 * descend from that one, not from the request's context, so lines written in them name the
 * request's server span instead. Said once, with the fix.
 */
function warnIfSpanStartedFirst(context: TraceContext): void {
  const active = trace.getActiveSpan()?.spanContext();
  if (active === undefined || active.traceId !== context.traceId) return;
  if (active.spanId === context.spanId) return;
  warnedOrder = true;
  process.emitWarning(
    '@tracebridge/fastify: a span of the request was started before the tracing plugin ran ' +
      '(@fastify/otel registered first?). Lines carry the right request, but those written ' +
      "in that plugin's spans name the request's server span: register @tracebridge/fastify " +
      'before @fastify/otel.',
    { code: 'TRACEBRIDGE_REGISTER_ORDER' },
  );
}

/** The status Fastify sends for an error: its 4xx/5xx `statusCode` (or `status`), else 500. */
function errorStatus(error: unknown): number {
  const e = error as { statusCode?: unknown; status?: unknown } | null;
  const status = typeof e?.statusCode === 'number' ? e.statusCode : e?.status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

const route = (req: IncomingMessage): string | undefined =>
  (req as Raw)[kRequest]?.routeOptions?.url;

function tracingPlugin(
  fastify: FastifyInstance,
  options: FastifyTracingOptions | undefined,
  done: Done,
): void {
  try {
    register(fastify, options ?? {});
  } catch (error) {
    // A mistake in the options fails fastify.ready() / listen() with it.
    done(error as Error);
    return;
  }
  done();
}

function register(fastify: FastifyInstance, given: FastifyTracingOptions): void {
  // Fastify writes its own request and error lines (with this request's ids, through the
  // request.log bound below): tracebridge's come only when asked for, or with a logger of
  // their own.
  const own = hasLevels(fastify.log) ? fastify.log : undefined;
  const separate = given.logger !== undefined;
  const { lifecycle, bindLog, childLog, logError } = createTracing<FastifyRequest, IncomingMessage>(
    {
      ...given,
      ...(own !== undefined && given.logger === undefined && { logger: own }),
      requestLog: given.requestLog ?? (separate ? {} : false),
      errorLog: given.errorLog ?? (separate ? {} : false),
    },
    {
      pkg: '@tracebridge/fastify',
      // A request Fastify refused before its hooks ran has no request object: its raw one.
      subject: (req) => (req as Raw)[kRequest] ?? (req as unknown as FastifyRequest),
      early: (req) => req,
      route,
      clientAddress: (req) => (req as Raw)[kRequest]?.ip,
      ...(own !== undefined && { frameworkLogger: own }),
    },
  );

  // The context starts before Fastify's own handler runs: first among the server's
  // 'request' listeners, so that the child logger Fastify makes next — which writes its
  // "incoming request" line before any hook — is bound to it.
  fastify.server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    lifecycle.start(req, res);
  });

  if (childLog !== undefined) {
    // Fastify's request.log is made by its child logger factory (the one set before, or
    // Fastify's own): made with the child options that bind it to the request, it is one
    // child per request, as without the plugin.
    const previous = fastify.childLoggerFactory;
    fastify.setChildLoggerFactory(function tracebridgeChildLogger(
      this: FastifyInstance,
      logger,
      bindings,
      childOptions,
      rawReq,
    ) {
      const context = rawReq === undefined ? undefined : requestContext(rawReq);
      if (context === undefined) return previous.call(this, logger, bindings, childOptions, rawReq);
      (rawReq as Raw)[kLogBound] = true;
      return childLog(context, logger, childOptions, (options) =>
        previous.call(this, logger, bindings, (options ?? {}) as typeof childOptions, rawReq),
      ) as FastifyBaseLogger;
    });
  }

  fastify.decorateRequest('traceContext', null as unknown as TraceContext);

  // Runs the hooks after this one, the handler and everything they start in the context.
  const enter = (
    context: TraceContext,
    request: FastifyRequest,
    reply: FastifyReply,
    next: Done,
  ) => {
    request.traceContext = context;
    const raw = request.raw as Raw;
    if (bindLog !== undefined && raw[kLogBound] !== true) {
      // Not started by the server listener (fastify.inject()): bind Fastify's logger now.
      raw[kLogBound] = true;
      const log = bindLog(context, request.log) as FastifyBaseLogger;
      request.log = log;
      reply.log = log;
    }
    next();
  };
  fastify.addHook('onRequest', (request, reply, next) => {
    const raw = request.raw as Raw;
    raw[kRequest] = request;
    const context = requestContext(raw);
    if (context === undefined) {
      lifecycle.enter(raw, reply.raw, enter, request, reply, next);
      return;
    }
    if (!warnedOrder) warnIfSpanStartedFirst(context);
    run(context, enter, context, request, reply, next);
  });

  fastify.addHook('onError', (request, reply, error, next) => {
    if (logError === undefined) recordRequestError(request.raw, error);
    else {
      const statusCode = reply.raw.headersSent ? reply.raw.statusCode : errorStatus(error);
      logError(error, request.raw, { route: route(request.raw), statusCode });
    }
    next();
  });
}

/**
 * The Fastify plugin (Fastify 4 and 5; register it first, before your routes and other
 * plugins): every hook, the handler and the listeners added later on `request.raw` and
 * `reply.raw` run in the request's trace context (active OTel server span → incoming
 * `traceparent` → new ids); Fastify's own `request.log` — its "incoming request" and
 * "request completed" lines, and yours, however late — carries this request's ids;
 * `request.traceContext` holds the context. With `requestLog` (or a `logger` of your own),
 * one request line per request with OpenTelemetry's HTTP field names, exactly once, aborted
 * requests included. Options are checked now: a mistake is a `TypeError`.
 *
 * @example
 * await app.register(tracing, { traceResponse: true });
 * app.get('/', async (request) => {
 *   request.raw.on('close', () => request.log.info('closed')); // this request's ids
 *   return { traceId: request.traceContext.traceId };
 * });
 */
export const tracing = fp(tracingPlugin as FastifyPluginCallback<FastifyTracingOptions>, {
  name: '@tracebridge/fastify',
  fastify: '4.x || 5.x',
});
