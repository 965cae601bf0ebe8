// The server variants the HTTP benchmarks compare, as Node request listeners: Express and
// Koa bare, with tracebridge, and with what users would pick instead. Logging variants log
// one line per request to a destination that drops it.
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { ablate, OPTION_ABLATIONS } from './ablate.mjs';

const require = createRequire(import.meta.url);
const winston = require('winston');
const Transport = require('winston-transport');

// Where the lines go: nowhere while timing; to a checker (line-check.mjs) when set.
let sink;
/** Sends every line any variant writes to `fn(line)` (a string); `undefined` drops them. */
export function setLineSink(fn) {
  sink = fn;
}
const MESSAGE = Symbol.for('message');

class Noop extends Transport {
  log(info, callback) {
    sink?.(String(info[MESSAGE]));
    callback();
  }
}
const devNull = () =>
  new Writable({
    write: (chunk, _encoding, callback) => {
      sink?.(String(chunk));
      callback();
    },
  });
const plainLogger = () =>
  winston.createLogger({ format: winston.format.json(), transports: [new Noop()] });

/** tracebridge's createLogger (its default JSON line); with `winstonJson`, Winston's
 * format.json() instead — the same JSON the other variants write. */
async function tracebridgeLogger(winstonJson = false) {
  const { captureOnWrite, createLogger, traceFormat } = await import('@tracebridge/core/winston');
  if (!winstonJson) return createLogger({ transports: [new Noop()] });
  return captureOnWrite(
    winston.createLogger({
      format: winston.format.combine(traceFormat(), winston.format.json()),
      transports: [new Noop()],
    }),
  );
}

/** The minimal hand-written version: ALS middleware, a 'finish' line reading the store
 * (and, for Koa, the same with the id captured in the listener's closure). */
function minimal(logger) {
  const als = new AsyncLocalStorage();
  const fromStore = winston.format((info) => {
    const store = als.getStore();
    if (store) info.trace_id = store.traceId;
    return info;
  });
  logger.format = winston.format.combine(fromStore(), winston.format.json());
  const traceIdOf = (req) => String(req.headers.traceparent ?? '').slice(3, 35);
  const fields = (method, url, status, start) => ({
    method,
    url,
    status,
    ms: Number(process.hrtime.bigint() - start) / 1e6,
  });
  /** Koa's middleware; with `capture`, the id kept in the 'finish' listener's closure. */
  const koa = (capture) => (ctx, next) => {
    const store = { traceId: traceIdOf(ctx.req) };
    return als.run(store, () => {
      const start = process.hrtime.bigint();
      ctx.res.on('finish', () => {
        const line = fields(ctx.method, ctx.url, ctx.status, start);
        if (capture) line.trace_id = store.traceId;
        logger.info('request', line);
      });
      return next();
    });
  };
  return {
    express: (req, res, next) =>
      als.run({ traceId: traceIdOf(req) }, () => {
        const start = process.hrtime.bigint();
        res.on('finish', () =>
          logger.info('request', fields(req.method, req.url, res.statusCode, start)),
        );
        next();
      }),
    koa: koa(false),
    // Koa ends the response after the middleware chain, outside als.run: the 'finish' line
    // finds no store. The hand-written fix: the id read in the synchronous part and kept in
    // the listener's closure.
    koaCapture: koa(true),
  };
}

/**
 * Koa, hand-written, in two parts for section 2b's comparisons: the request context alone
 * (`no-line`: als.run and a `finish` listener holding the id, no line), and the same with
 * the line tracebridge writes — its OTel field names, message and ids (the caller's span id
 * kept rather than a new one made, no time to first byte), the ids kept in the listener's
 * closure as in minimal+capture, Winston's format.json().
 */
function handWritten(logger, line) {
  const als = new AsyncLocalStorage();
  return (ctx, next) => {
    const traceparent = String(ctx.req.headers.traceparent ?? '');
    const store = { traceId: traceparent.slice(3, 35), spanId: traceparent.slice(36, 52) };
    return als.run(store, () => {
      const start = process.hrtime.bigint();
      ctx.res.on('finish', () => {
        if (!line) return;
        const { req } = ctx;
        const ms = Math.round(Number(process.hrtime.bigint() - start) / 1e3) / 1e3;
        logger.info(`${req.method} ${ctx.path} ${ctx.status} ${ms}ms`, {
          'http.request.method': req.method,
          'url.path': ctx.path,
          'http.response.status_code': ctx.status,
          'user_agent.original': req.headers['user-agent'],
          'client.address': req.socket.remoteAddress,
          'network.protocol.version': req.httpVersion,
          duration_ms: ms,
          aborted: false,
          trace_id: store.traceId,
          span_id: store.spanId,
          trace_flags: traceparent.slice(53, 55),
        });
      });
      return next();
    });
  };
}

/**
 * The layers under tracebridge's request context (sections 2d and 2f), as
 * `(req, res, next)`. `scope-only`: the mechanism alone — one AsyncResource per request,
 * made in als.run with the ids and entered for `next` and for every event of the response
 * (what tracebridge's scope does), nothing else. `lifecycle`: core's request lifecycle alone
 * (createRequestLifecycle().handle, no onDone), without an adapter.
 */
async function layer(kind) {
  if (kind === 'lifecycle') {
    const { createRequestLifecycle } = await import('@tracebridge/core');
    const lifecycle = createRequestLifecycle();
    return (req, res, next) => lifecycle.handle(req, res, next);
  }
  const als = new AsyncLocalStorage();
  const newResource = () => new AsyncResource('scope-only');
  return (req, res, next) => {
    const traceparent = String(req.headers.traceparent ?? '');
    const store = { traceId: traceparent.slice(3, 35), spanId: traceparent.slice(36, 52) };
    const resource = als.run(store, newResource);
    const emit = res.emit;
    res.emit = function scopedEmit(...args) {
      return resource.runInAsyncScope(emit, this, ...args);
    };
    return resource.runInAsyncScope(next);
  };
}

/** Plain node:http, no framework: the layers alone, over a listener that answers 'ok'. */
async function nodeApp(kind) {
  const answer = (res) => {
    res.statusCode = 200;
    res.end('ok');
  };
  if (kind === 'bare') return (_req, res) => answer(res);
  if (kind !== 'scope-only' && kind !== 'lifecycle')
    throw new Error(`http-server: unknown node variant ${kind}`);
  const wrap = await layer(kind);
  return (req, res) => wrap(req, res, () => answer(res));
}

export async function expressApp(kind) {
  const express = require('express');
  const app = express();
  switch (kind) {
    case 'bare':
      break;
    case 'bare+dictionary-mode': {
      // What tracing() does first on V8 < 13 (packages/express/src/dictionary-mode.ts), alone:
      // how much of Express's own cost it takes away, apart from tracebridge's work.
      const [a, b] = [Symbol('a'), Symbol('b')];
      app.use((req, res, next) => {
        for (const o of [req, res]) {
          o[a] = o[b] = undefined;
          delete o[a];
          delete o[b];
        }
        next();
      });
      break;
    }
    case 'tracebridge':
    case 'tracebridge+winston-json': {
      const { tracing } = await import('@tracebridge/express');
      app.use(tracing({ logger: await tracebridgeLogger(kind !== 'tracebridge') }));
      break;
    }
    case 'express-winston': {
      const expressWinston = require('express-winston');
      app.use(expressWinston.logger({ winstonInstance: plainLogger() }));
      break;
    }
    case 'pino-http':
      app.use(require('pino-http')({ logger: require('pino')(devNull()) }));
      break;
    case 'cls-rtracer+morgan': {
      const rTracer = require('cls-rtracer');
      const morgan = require('morgan');
      morgan.token('id', () => rTracer.id());
      app.use(rTracer.expressMiddleware());
      app.use(morgan(':id :method :url :status :response-time ms', { stream: devNull() }));
      break;
    }
    case 'minimal':
      app.use(minimal(plainLogger()).express);
      break;
    default:
      throw new Error(`http-server: unknown express variant ${kind}`);
  }
  app.get('/', (_req, res) => res.send('ok'));
  return app;
}

/**
 * Koa: `kind` is a variant, or `tracebridge~<ablation>,…` for section 2g: tracebridge with
 * features taken out (ablate.mjs).
 */
export async function koaApp(kind) {
  const Koa = require('koa');
  const app = new Koa();
  const [base, ablated] = kind.split('~');
  const ablations = ablated?.split(',') ?? [];
  if (ablations.length > 0) {
    if (base !== 'tracebridge') throw new Error(`http-server: ${base} has nothing to ablate`);
    ablate(ablations);
  }
  switch (base) {
    case 'bare':
      break;
    case 'tracebridge':
    case 'tracebridge+winston-json': {
      const { tracing } = await import('@tracebridge/koa');
      const logger = await tracebridgeLogger(base !== 'tracebridge');
      // Without ctx.log (2g): the logger given to the request line only.
      const noCtxLog = ablations.some((name) => OPTION_ABLATIONS.has(name));
      app.use(tracing(noCtxLog ? { requestLog: { logger } } : { logger }));
      break;
    }
    case 'tracebridge-two-middlewares': {
      // The same as separate middlewares: traceContext, then requestLogger.
      const { requestLogger, traceContext } = await import('@tracebridge/koa');
      const logger = await tracebridgeLogger();
      app.use(traceContext({ logger }));
      app.use(requestLogger({ logger }));
      break;
    }
    case 'tracebridge-context': {
      // The request context alone (traceContext with ctx.log, no request line): what the
      // request line costs, by difference.
      const { tracing } = await import('@tracebridge/koa');
      app.use(tracing({ logger: await tracebridgeLogger(), requestLog: false }));
      break;
    }
    case 'koa-logger':
      app.use(require('koa-logger')({ transporter: (line) => sink?.(String(line)) }));
      break;
    case 'minimal':
      app.use(minimal(plainLogger()).koa);
      break;
    case 'minimal+capture':
      app.use(minimal(plainLogger()).koaCapture);
      break;
    case 'minimal-no-line':
      app.use(handWritten(plainLogger(), false));
      break;
    case 'scope-only':
    case 'lifecycle': {
      const wrap = await layer(kind);
      app.use((ctx, next) => wrap(ctx.req, ctx.res, next));
      break;
    }
    case 'minimal-same-line':
      app.use(handWritten(plainLogger(), true));
      break;
    default:
      throw new Error(`http-server: unknown koa variant ${kind}`);
  }
  app.use((ctx) => {
    ctx.body = 'ok';
  });
  return app.callback();
}

/** The request listener of `<framework>:<variant>`. */
export async function appFor(variant) {
  const [framework, kind] = variant.split(':');
  if (framework === 'express') return expressApp(kind);
  if (framework === 'koa') return koaApp(kind);
  if (framework === 'node') return nodeApp(kind);
  throw new Error(`bench: unknown framework in ${variant}`);
}
