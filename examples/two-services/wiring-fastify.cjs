'use strict';
// The Fastify backend's wiring (pino, Fastify's own logger), the three ways wiring.cjs wires
// the Winston services: tracebridge's plugin; the naive way (a store set in an onRequest
// hook, read by a pino mixin, a request line from a 'finish' listener); and what
// OpenTelemetry's auto-instrumentation users write (a plain pino logger: instrumentation-pino
// adds the active span's ids and sends the records to the Logs API).
const { AsyncLocalStorage } = require('node:async_hooks');
const pino = require('pino');
const { bind } = require('@tracebridge/core');
const { choose, idsOf, unbound } = require('./wiring.cjs');

const demoFields = (req) => ({ demo_request: req.headers['x-demo-request'], line: 'request' });
const destination = (logFile) => pino.destination({ dest: logFile, sync: true });

/** The request line as people write it: in a 'finish' listener, through the logger. */
const requestLine = (logger, request, reply) => () =>
  logger.info(
    { ...demoFields(request.raw), 'http.response.status_code': reply.raw.statusCode },
    `${request.method} ${request.url} ${reply.raw.statusCode}`,
  );

function tracebridgeWiring({ service, logFile }) {
  const { createPinoLogger } = require('@tracebridge/core/pino');
  const logger = createPinoLogger({ base: { service } }, destination(logFile));
  return {
    logger,
    async register(app) {
      const { tracing } = require('@tracebridge/fastify');
      await app.register(tracing, {
        requestLog: { lineFields: (request) => demoFields(request.raw) },
      });
    },
    wrap: (fn) => bind(fn),
  };
}

function naiveWiring({ service, logFile }) {
  const als = new AsyncLocalStorage();
  const logger = pino(
    {
      base: { service },
      mixin: () => {
        const ids = als.getStore();
        return ids === undefined ? {} : { trace_id: ids.traceId, span_id: ids.spanId };
      },
    },
    destination(logFile),
  );
  return {
    logger,
    async register(app) {
      app.addHook('onRequest', (request, reply, done) =>
        als.run(idsOf(request.raw), () => {
          reply.raw.on('finish', requestLine(logger, request, reply));
          done();
        }),
      );
    },
    wrap: (fn) => fn,
  };
}

function otelAutoWiring({ service, logFile }) {
  const logger = pino({ base: { service } }, destination(logFile));
  return {
    logger,
    async register(app) {
      app.addHook('onRequest', (request, reply, done) => {
        reply.raw.on('finish', requestLine(logger, request, reply));
        done();
      });
    },
    wrap: (fn) => fn,
  };
}

const WIRINGS = {
  naive: naiveWiring,
  'otel-auto': otelAutoWiring,
  tracebridge: tracebridgeWiring,
  unbound: unbound(tracebridgeWiring),
};

const createFastifyWiring = (kind, options) => choose(WIRINGS, kind, options);

module.exports = { createFastifyWiring };
