'use strict';
// How a service keeps each request's trace id in its logs: with tracebridge, or the naive
// way people write by hand (an ALS store set by a middleware, read by a Winston format and
// by a 'finish' listener). The services' own code is the same for both.
const { AsyncLocalStorage } = require('node:async_hooks');
const { randomBytes } = require('node:crypto');
const { trace } = require('@opentelemetry/api');
const winston = require('winston');
const { bind, traceHeaders } = require('@tracebridge/core');
const { createLogger } = require('@tracebridge/core/winston');

const otelSdk = () => globalThis[Symbol.for('tracebridge.example.otel')];

/** The demo's per-request marker, so every line can be checked against its request. */
const demoFields = (req) => ({ demo_request: req.headers['x-demo-request'], line: 'request' });

// The JSON lines the demo scores. Under the OpenTelemetry SDK, instrumentation-winston adds
// the transport that sends records to the Logs API to every winston logger.
const transports = (logFile) => [new winston.transports.File({ filename: logFile })];

function tracebridgeWiring({ service, logFile }) {
  const logger = createLogger({
    defaultMeta: { service },
    transports: transports(logFile),
    // Records reach the Logs API even when the instrumentation did not patch winston (it
    // is skipped where the instrumentation's transport is there already).
    otelLogs: otelSdk() !== undefined,
  });
  return {
    logger,
    express() {
      const { tracing } = require('@tracebridge/express');
      return tracing({ logger, requestLog: { lineFields: demoFields } });
    },
    koa() {
      const { tracing } = require('@tracebridge/koa');
      return [tracing({ logger, requestLog: { lineFields: (ctx) => demoFields(ctx.req) } })];
    },
    wrap: (fn) => bind(fn),
    outgoingHeaders: () => traceHeaders(),
  };
}

/** The ids a hand-written middleware picks: the active span's, else the caller's trace with
 * a new span id, else new ones. */
function idsOf(req) {
  const span = trace.getActiveSpan()?.spanContext();
  if (span !== undefined) return { traceId: span.traceId, spanId: span.spanId };
  const incoming = /^00-([0-9a-f]{32})-/.exec(String(req.headers.traceparent ?? ''));
  return {
    traceId: incoming?.[1] ?? randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
  };
}

function naiveWiring({ service, logFile }) {
  const als = new AsyncLocalStorage();
  const fromStore = winston.format((info) => {
    const ids = als.getStore();
    if (ids !== undefined) {
      info.trace_id = ids.traceId;
      info.span_id = ids.spanId;
    }
    return info;
  });
  const logger = winston.createLogger({
    defaultMeta: { service },
    format: winston.format.combine(fromStore(), winston.format.json()),
    transports: transports(logFile),
  });
  // The request line as people write it: in a 'finish' listener, reading the store.
  const requestLine = (req, res, started) => () => {
    logger.info(`${req.method} ${req.url} ${res.statusCode}`, {
      ...demoFields(req),
      'http.response.status_code': res.statusCode,
      duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
    });
  };
  return {
    logger,
    express() {
      return (req, res, next) =>
        als.run(idsOf(req), () => {
          res.on('finish', requestLine(req, res, process.hrtime.bigint()));
          next();
        });
    },
    koa() {
      return [
        (ctx, next) =>
          als.run(idsOf(ctx.req), () => {
            ctx.res.on('finish', requestLine(ctx.req, ctx.res, process.hrtime.bigint()));
            return next();
          }),
      ];
    },
    wrap: (fn) => fn,
    outgoingHeaders() {
      const ids = als.getStore();
      return ids ? { traceparent: `00-${ids.traceId}-${randomBytes(8).toString('hex')}-01` } : {};
    },
  };
}

/**
 * What a team running OpenTelemetry's auto-instrumentation writes: a plain winston logger
 * (instrumentation-winston adds the active span's ids to each record when it is written,
 * and sends it to the Logs API), a request line from a 'finish' listener, and nothing for
 * callbacks (the HTTP instrumentation propagates traceparent on outgoing calls itself).
 */
function otelAutoWiring({ service, logFile }) {
  const logger = winston.createLogger({
    defaultMeta: { service },
    format: winston.format.json(),
    transports: transports(logFile),
  });
  const requestLine = (req, res) => () =>
    logger.info(`${req.method} ${req.url} ${res.statusCode}`, {
      ...demoFields(req),
      'http.response.status_code': res.statusCode,
    });
  return {
    logger,
    express: () => (req, res, next) => {
      res.on('finish', requestLine(req, res));
      next();
    },
    koa: () => [
      (ctx, next) => {
        ctx.res.on('finish', requestLine(ctx.req, ctx.res));
        return next();
      },
    ],
    wrap: (fn) => fn,
    outgoingHeaders: () => ({}),
  };
}

/** `wiring` with the services' own late callbacks left unbound (`wrap` does nothing): the
 * service the context doctor (`demo --doctor`) is run on. */
const unbound = (wiring) => (options) => ({ ...wiring(options), wrap: (fn) => fn });

const WIRINGS = {
  naive: naiveWiring,
  'otel-auto': otelAutoWiring,
  tracebridge: tracebridgeWiring,
  unbound: unbound(tracebridgeWiring),
};

/** The wiring named `kind` (the WIRING environment variable), made with `options`. */
function choose(wirings, kind, options) {
  const wiring = wirings[kind];
  if (wiring === undefined) {
    throw new TypeError(
      `two-services: WIRING must be one of ${Object.keys(wirings).join(', ')}, not ${JSON.stringify(kind)}`,
    );
  }
  return wiring(options);
}

const createWiring = (kind, options) => choose(WIRINGS, kind, options);

/** Starts `server`, reports its port on stdout, and shuts down cleanly on SIGTERM. */
function serve(server, logger) {
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ listening: server.address().port })}\n`);
  });
  // A transport failing at shutdown must not crash the process before its lines are out.
  logger.on('error', (error) => process.stderr.write(`logger: ${error.message}\n`));
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    // Wait (bounded) until Winston's pipeline and the file transport's stream are empty,
    // then flush OpenTelemetry and go. Ending the logger instead races its buffered records
    // against the transports' end ("write after end").
    const until = Date.now() + 5000;
    const pending = () =>
      logger.writableLength +
      logger.readableLength +
      logger.transports.reduce(
        (n, t) => n + (t.writableLength ?? 0) + (t._dest?.writableLength ?? 0),
        0,
      );
    const check = async () => {
      if (pending() > 0 && Date.now() < until) {
        setTimeout(check, 20);
        return;
      }
      await otelSdk()?.shutdown();
      process.exit(0);
    };
    setTimeout(check, 50);
  });
}

module.exports = { choose, createWiring, idsOf, serve, unbound };
