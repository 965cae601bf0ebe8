// The apps the HTTP benchmarks compare: an Express, a Koa and a Fastify app answering "ok",
// bare or with one request-logging middleware — tracebridge's or what users pick instead.
// Every logging variant writes one line per request to a destination that drops it, and
// counts the lines, so that a variant which logs nothing is caught.
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';

const require = createRequire(import.meta.url);

let lines = 0;
/** How many lines the app's logger has written. */
export const linesWritten = () => lines;

const winston = require('winston');
const Transport = require('winston-transport');

/** A Winston transport that drops the line. */
class Drop extends Transport {
  log(_info, callback) {
    lines++;
    callback();
  }
}

/** A stream that drops what pino writes. */
const dropStream = () =>
  new Writable({
    write(chunk, _encoding, callback) {
      lines += String(chunk).split('\n').length - 1;
      callback();
    },
  });

const winstonLogger = () =>
  winston.createLogger({ format: winston.format.json(), transports: [new Drop()] });

async function tracebridgeLogger() {
  const { createLogger } = await import('@tracebridge/core/winston');
  return createLogger({ transports: [new Drop()] });
}

/** Express variants: `bare`, `tracebridge` (Winston), `tracebridge+pino`, `pino-http`,
 * `express-winston`. */
async function expressApp(variant) {
  const express = require('express');
  const app = express();
  switch (variant) {
    case 'bare':
      break;
    case 'tracebridge': {
      const { tracing } = await import('@tracebridge/express');
      app.use(tracing({ logger: await tracebridgeLogger() }));
      break;
    }
    case 'tracebridge+pino': {
      const { tracing } = await import('@tracebridge/express');
      app.use(tracing({ logger: require('pino')(dropStream()) }));
      break;
    }
    case 'pino-http':
      app.use(require('pino-http')({ logger: require('pino')(dropStream()) }));
      break;
    case 'express-winston':
      app.use(require('express-winston').logger({ winstonInstance: winstonLogger() }));
      break;
    default:
      throw new Error(`bench: unknown Express variant ${variant}`);
  }
  app.get('/', (_req, res) => res.send('ok'));
  return app;
}

/** Koa variants: `bare`, `tracebridge` (Winston), `tracebridge+pino`, `koa-pino-logger`,
 * `koa-logger`. */
async function koaApp(variant) {
  const Koa = require('koa');
  const app = new Koa();
  switch (variant) {
    case 'bare':
      break;
    case 'tracebridge': {
      const { tracing } = await import('@tracebridge/koa');
      app.use(tracing({ logger: await tracebridgeLogger() }));
      break;
    }
    case 'tracebridge+pino': {
      const { tracing } = await import('@tracebridge/koa');
      app.use(tracing({ logger: require('pino')(dropStream()) }));
      break;
    }
    case 'koa-pino-logger':
      app.use(require('koa-pino-logger')({}, dropStream()));
      break;
    case 'koa-logger':
      app.use(
        require('koa-logger')({
          transporter: () => {
            lines++;
          },
        }),
      );
      break;
    default:
      throw new Error(`bench: unknown Koa variant ${variant}`);
  }
  app.use((ctx) => {
    ctx.body = 'ok';
  });
  return app.callback();
}

/** An OpenTelemetry SDK whose spans are dropped once ended (for @fastify/otel). */
function otelSdk() {
  const { context, trace } = require('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
  const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
  const exporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
}

/** Fastify variants, all on the same server (`serverFactory`): `bare` (no logger),
 * `logging` (Fastify's own pino lines), `tracebridge` (the same, with the tracing plugin),
 * `@fastify/otel` (the same logging, with Fastify's OpenTelemetry instrumentation and an
 * SDK). */
async function fastifyApp(variant, server) {
  if (variant === '@fastify/otel') otelSdk();
  const Fastify = require('fastify');
  let handler;
  const serverFactory = (fastifyHandler) => {
    handler = fastifyHandler;
    return server;
  };
  const logging = variant !== 'bare';
  const app = Fastify({
    serverFactory,
    ...(logging && { loggerInstance: require('pino')(dropStream()) }),
  });
  switch (variant) {
    case 'bare':
    case 'logging':
      break;
    case 'tracebridge': {
      const { tracing } = await import('@tracebridge/fastify');
      await app.register(tracing);
      break;
    }
    case '@fastify/otel': {
      const FastifyOtelInstrumentation = require('@fastify/otel');
      await app.register(new FastifyOtelInstrumentation().plugin());
      break;
    }
    default:
      throw new Error(`bench: unknown Fastify variant ${variant}`);
  }
  app.get('/', async () => 'ok');
  await app.ready();
  return handler;
}

/** The request listener of `<framework>:<variant>` (Fastify's takes over `server`). */
export async function appFor(name, server) {
  const [framework, variant] = name.split(':');
  if (framework === 'express') return expressApp(variant);
  if (framework === 'koa') return koaApp(variant);
  if (framework === 'fastify') return fastifyApp(variant, server);
  throw new Error(`bench: unknown framework in ${name}`);
}
