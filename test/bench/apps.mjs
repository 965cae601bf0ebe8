// The apps the HTTP benchmarks compare: one Express app and one Koa app answering "ok",
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

/** The request listener of `<framework>:<variant>`. */
export async function appFor(name) {
  const [framework, variant] = name.split(':');
  if (framework === 'express') return expressApp(variant);
  if (framework === 'koa') return koaApp(variant);
  throw new Error(`bench: unknown framework in ${name}`);
}
