/**
 * Drop-in, as a team with its own logger would try it: the user's Winston or pino logger as
 * it is, options checked when the middleware is made, the same messages from both adapters,
 * and Koa's error event in the request's context. Real Express 5, Koa 3, Winston and pino.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger, traceFormat } from '@tracebridge/core/winston';
import { tracing as expressTracing } from '@tracebridge/express';
import { tracing as koaTracing } from '@tracebridge/koa';
import express from 'express';
import Koa from 'koa';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import winston from 'winston';
import { MemoryTransport } from '../packages/core/test-support/winston.js';
import { randomTraceparent } from './support/load.js';

const MESSAGE = Symbol.for('message');

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  vi.restoreAllMocks();
});

async function listen(handler: http.RequestListener): Promise<number> {
  server = http.createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** GETs `path` with a fresh traceparent; resolves with the status and the trace id sent. */
function send(port: number, path: string): Promise<{ status: number; traceId: string }> {
  const { traceId, header } = randomTraceparent();
  return new Promise((resolve, reject) => {
    http
      .get(
        { host: '127.0.0.1', port, path, agent: false, headers: { traceparent: header } },
        (res) => res.resume().on('end', () => resolve({ status: res.statusCode ?? 0, traceId })),
      )
      .on('error', reject);
  });
}

/** Every request has ended (its lines written) once the server is closed. */
async function closed(): Promise<void> {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
  await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/** The formatted lines a Winston transport received, as strings. */
const texts = (transport: MemoryTransport) => transport.records.map((r) => String(r[MESSAGE]));

type App = 'Express' | 'Koa';

/** An app with tracebridge mounted from `options`, whose handler logs through req/ctx.log. */
async function appWith(kind: App, options: Parameters<typeof expressTracing>[0]) {
  if (kind === 'Express') {
    const app = express();
    app.use(expressTracing(options));
    app.get('/', (req, res) => {
      (req.log as winston.Logger).info('handled');
      res.send('ok');
    });
    return listen(app);
  }
  const app = new Koa();
  app.use(koaTracing(options as Parameters<typeof koaTracing>[0]));
  app.use((ctx) => {
    if (ctx.path !== '/') return; // Koa answers 404
    (ctx.log as winston.Logger).info('handled');
    ctx.body = 'ok';
  });
  return listen(app.callback());
}

describe.each(['Express', 'Koa'] as const)('%s: your own logger, as it is', (kind) => {
  it('a plain winston.createLogger({ format: json() }): request and req.log lines carry the ids', async () => {
    const transport = new MemoryTransport();
    const logger = winston.createLogger({ format: winston.format.json(), transports: [transport] });
    const port = await appWith(kind, { logger });
    const { traceId } = await send(port, '/');
    await closed();
    const lines = transport.lines();
    expect(lines.map((l) => l.message)).toEqual(['handled', expect.stringMatching(/^GET \/ 200/)]);
    for (const line of lines) {
      expect(line).toMatchObject({
        trace_id: traceId,
        span_id: expect.any(String),
        trace_flags: '01',
      });
    }
  });

  it('the names you choose: ids: { preset: "ecs" }, or traceFormat in your own chain (no second set)', async () => {
    const ecs = new MemoryTransport();
    const port = await appWith(kind, {
      logger: winston.createLogger({ format: winston.format.json(), transports: [ecs] }),
      ids: { preset: 'ecs' },
    });
    const first = await send(port, '/');
    await closed();
    for (const line of ecs.lines()) {
      expect(line).toMatchObject({ trace: { id: first.traceId } });
      expect(line.trace_id).toBeUndefined();
    }
    const own = new MemoryTransport();
    const chain = winston.format.combine(traceFormat({ preset: 'datadog' }), winston.format.json());
    const port2 = await appWith(kind, {
      logger: winston.createLogger({ format: chain, transports: [own] }),
    });
    const second = await send(port2, '/');
    await closed();
    const low64 = BigInt(`0x${second.traceId.slice(16)}`).toString(10);
    expect(own.lines()).toHaveLength(2);
    for (const line of own.lines()) {
      expect(line).toMatchObject({ dd: { trace_id: low64 } });
      expect(line.trace_id).toBeUndefined();
    }
  });

  it('createLogger: one set of ids, as createLogger names them', async () => {
    const transport = new MemoryTransport();
    const port = await appWith(kind, {
      logger: createLogger({ trace: { preset: 'camel' }, transports: [transport] }),
    });
    const { traceId } = await send(port, '/');
    await closed();
    for (const line of transport.lines()) {
      expect(line).toMatchObject({ traceId });
      expect(line.trace_id).toBeUndefined();
    }
  });

  it('a printf format that drops the ids: one warning at setup, naming the fix', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const printf = winston.format.printf((info) => `${info.level}: ${info.message}`);
    const make = () =>
      (kind === 'Express' ? expressTracing : koaTracing)({
        logger: winston.createLogger({ format: printf, transports: [new MemoryTransport()] }),
      });
    make();
    make();
    const messages = warn.mock.calls.map((call) => String(call[0]));
    const about = messages.filter((m) => m.includes('drops the trace ids'));
    expect(about.length).toBe(1);
    expect(about[0]).toMatch(/traceFormat\(\)/);
  });

  it('a pino logger: req.log is a child with the ids, the request line has them', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(JSON.parse(String(chunk)));
        callback();
      },
    });
    const port = await appWith(kind, { logger: pino(destination) });
    const { traceId } = await send(port, '/');
    await closed();
    expect(lines.map((l) => l.msg)).toEqual(['handled', expect.stringMatching(/^GET \/ 200/)]);
    for (const line of lines) expect(line.trace_id).toBe(traceId);
  });

  it('syslog levels: the default warn of a 4xx line is the logger\'s "warning"', async () => {
    const transport = new MemoryTransport();
    const logger = winston.createLogger({
      levels: winston.config.syslog.levels,
      format: winston.format.json(),
      transports: [transport],
    });
    const port = await appWith(kind, { logger });
    await send(port, '/missing');
    await closed();
    const line = transport.lines().find((l) => l['http.response.status_code'] === 404);
    expect(line?.level).toBe('warning');
  });

  it("a level function's unknown answer: written at the default level, reported once", async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const transport = new MemoryTransport();
    const logger = winston.createLogger({ format: winston.format.json(), transports: [transport] });
    const port = await appWith(kind, { logger, requestLog: { level: () => 'loud' } });
    await send(port, '/');
    await send(port, '/');
    await closed();
    const requestLines = transport.lines().filter((l) => l['url.path'] !== undefined);
    expect(requestLines.map((l) => l.level)).toEqual(['info', 'info']);
    const about = warn.mock.calls.filter((c) => String(c[0]).includes('"loud"'));
    expect(about).toHaveLength(1);
  });
});

describe('options are checked when the middleware is made: the same message from both adapters', () => {
  const logger = winston.createLogger({ transports: [new MemoryTransport()] });
  it.each([
    ['null', null, /tracing\(options\) expects an object, got null/],
    ["'yes'", 'yes', /tracing\(options\) expects an object, got "yes"/],
    ['{ nope: 1 }', { logger, nope: 1 }, /unknown option "nope"/],
    [
      '{ requestLog: 5 }',
      { logger, requestLog: 5 },
      /requestLog must be request log options or false, got number/,
    ],
    [
      "{ errorLog: 'x' }",
      { logger, errorLog: 'x' },
      /errorLog must be error log options or false, got "x"/,
    ],
    [
      "{ requestLog: { level: 'nonsense' } }",
      { logger, requestLog: { level: 'nonsense' } },
      /requestLog: level "nonsense" is not a level of the logger \(error, warn, info, http, verbose, debug, silly, or silent\)/,
    ],
    [
      "{ errorLog: { level: 'x' } }",
      { logger, errorLog: { level: 'x' } },
      /errorLog: level "x" is not a level of the logger/,
    ],
    [
      '{ requestLog: { skip: 1 } }',
      { logger, requestLog: { skip: 1 } },
      /requestLog.skip must be a function/,
    ],
    ['{ contextFields: {} }', { logger, contextFields: {} }, /contextFields must be a function/],
    [
      "{ trustIncoming: 'yes' }",
      { logger, trustIncoming: 'yes' },
      /trustIncoming must be a boolean or a function/,
    ],
    [
      "{ traceResponse: 'sometimes' }",
      { logger, traceResponse: 'sometimes' },
      /traceResponse must be true, false, 'server-timing' or 'traceresponse'/,
    ],
    [
      "{ ids: { preset: 'nope' } }",
      { logger, ids: { preset: 'nope' } },
      /ids: unknown preset "nope"/,
    ],
    [
      '{ logger: { info() {} } }',
      { logger: { info() {} } },
      /logger must be a Winston logger \(log, write, levels\) or a pino logger/,
    ],
    [
      '{}',
      {},
      /the request line needs a logger: give tracing\(\{ logger \}\), or requestLog: false/,
    ],
  ])('%s', (_label, options, message) => {
    for (const [pkg, tracing] of [
      ['express', expressTracing],
      ['koa', koaTracing],
    ] as const) {
      const make = () => (tracing as (o: unknown) => unknown)(options);
      expect(make).toThrow(TypeError);
      expect(make).toThrow(new RegExp(`^@tracebridge/${pkg}: `));
      expect(make).toThrow(message);
    }
  });
});

describe("Koa's error event runs in the request's context", () => {
  it("app.on('error', (err) => logger.error(...)) logs with the request's ids", async () => {
    const transport = new MemoryTransport();
    const logger = createLogger({ transports: [transport] });
    const app = new Koa();
    app.on('error', (err: Error) => logger.error('app error', { reason: err.message }));
    app.use(koaTracing({ logger, errorLog: false }));
    app.use(() => {
      throw new Error('boom');
    });
    const port = await listen(app.callback());
    const sent = await Promise.all([send(port, '/'), send(port, '/'), send(port, '/')]);
    await closed();
    const appErrors = transport.lines().filter((l) => l.message === 'app error');
    expect(appErrors.map((l) => l.trace_id).sort()).toEqual(sent.map((s) => s.traceId).sort());
  });
});

describe('Express: the error middleware that goes with tracing()', () => {
  it('a thrown error: an error line with the ids and the status, error.type on the request line', async () => {
    const transport = new MemoryTransport();
    const logger = createLogger({ transports: [transport] });
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const trace = expressTracing({ logger });
    const app = express();
    app.use(trace);
    app.get('/fail', () => {
      throw new RangeError('out of stock');
    });
    app.use(trace.errors);
    const port = await listen(app);
    const { traceId, status } = await send(port, '/fail');
    await closed();
    expect(status).toBe(500);
    const lines = transport.lines();
    expect(lines.find((l) => l['exception.type'] === 'RangeError')).toMatchObject({
      level: 'error',
      trace_id: traceId,
      'http.response.status_code': 500,
      'http.route': '/fail',
    });
    expect(lines.find((l) => l['url.path'] === '/fail')).toMatchObject({
      trace_id: traceId,
      'error.type': 'RangeError',
    });
  });
});

describe('the formatted line, where it matters', () => {
  it('shows the ids in a plain json() logger line', async () => {
    const transport = new MemoryTransport();
    const logger = winston.createLogger({ format: winston.format.json(), transports: [transport] });
    const port = await appWith('Express', { logger });
    const { traceId } = await send(port, '/');
    await closed();
    for (const text of texts(transport)) expect(text).toContain(traceId);
  });
});

describe('mounted twice: one context, one request line per request, one warning', () => {
  it.each(['Express', 'Koa'] as const)('%s', async (kind) => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const transport = new MemoryTransport();
    const logger = createLogger({ transports: [transport] });
    const seen: [string | undefined, string | undefined][] = [];
    let port: number;
    if (kind === 'Express') {
      const app = express();
      const router = express.Router();
      router.use(expressTracing({ logger })); // again, in a router
      router.get('/', (req, res) => {
        seen.push([req.traceContext.traceId, req.traceContext.spanId]);
        res.send('ok');
      });
      app.use(expressTracing({ logger }));
      app.use(router);
      port = await listen(app);
    } else {
      const app = new Koa();
      app.use(koaTracing({ logger }));
      app.use(koaTracing({ logger }));
      app.use((ctx) => {
        seen.push([ctx.state.traceContext?.traceId, ctx.state.traceContext?.spanId]);
        ctx.body = 'ok';
      });
      port = await listen(app.callback());
    }
    const sent = await Promise.all([send(port, '/'), send(port, '/'), send(port, '/')]);
    await closed();
    const lines = transport.lines().filter((l) => l['url.path'] !== undefined);
    expect(lines.map((l) => l.trace_id).sort()).toEqual(sent.map((s) => s.traceId).sort());
    expect(lines.map((l) => [l.trace_id, l.span_id]).sort()).toEqual([...seen].sort());
    const about = warn.mock.calls.filter((c) => String(c[0]).includes('runs twice'));
    expect(about).toHaveLength(1);
    expect(String(about[0]?.[0])).toMatch(new RegExp(`^@tracebridge/${kind.toLowerCase()}: `));
  });
});

describe('an aborted request', () => {
  it.each(['Express', 'Koa'] as const)(
    '%s: the line says aborted, and reports no status that was never sent',
    async (kind) => {
      const transport = new MemoryTransport();
      const logger = createLogger({ transports: [transport] });
      let port: number;
      // The handler is still waiting when the client goes away (it waits for exactly that):
      // no head was written.
      let arrived: () => void = () => {};
      const inHandler = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const clientGone = (res: http.ServerResponse) => {
        arrived();
        return once(res, 'close');
      };
      if (kind === 'Express') {
        const app = express();
        app.use(expressTracing({ logger }));
        app.get('/', async (_req, res) => {
          await clientGone(res);
          if (!res.destroyed) res.send('late');
        });
        port = await listen(app);
      } else {
        const app = new Koa();
        app.use(koaTracing({ logger }));
        app.use(async (ctx) => {
          await clientGone(ctx.res);
          ctx.body = 'late';
        });
        port = await listen(app.callback());
      }
      const { traceId, header } = randomTraceparent();
      await new Promise<void>((resolve) => {
        const req = http.get({
          host: '127.0.0.1',
          port,
          path: '/',
          agent: false,
          headers: { traceparent: header },
        });
        req.on('error', () => resolve());
        req.on('close', () => resolve());
        inHandler.then(() => req.destroy());
      });
      await closed();
      const [line] = transport.lines().filter((l) => l['url.path'] === '/');
      expect(line).toMatchObject({ trace_id: traceId, aborted: true, level: 'warn' });
      expect(line).not.toHaveProperty('http.response.status_code');
      expect(line?.message).toMatch(/^GET \/ - [\d.]+ms$/);
    },
  );
});
