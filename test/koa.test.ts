/**
 * @tracebridge/koa on real Koa 2 and 3: the shared late-callback matrix under concurrency
 * (keep-alive on and off, pipelined raw sockets), aborts, Koa-style responses next to a
 * plain ALS middleware, thrown errors, streamed bodies, a body parser and @koa/router.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Server } from 'node:http';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { bind, current } from '@tracebridge/core';
import { createLogger } from '@tracebridge/core/winston';
import { type KoaContextLike, tracing } from '@tracebridge/koa';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryTransport } from '../packages/core/test-support/winston.js';
import { LATE_CASES } from './support/cases.js';
import {
  abortedRequests,
  concurrentRequests,
  pipelinedRequests,
  randomTraceparent,
} from './support/load.js';
import { expectOneRequestLineEach, readLines, settleLines } from './support/log-lines.js';
import { Probes } from './support/probes.js';
import { createLateWork, expectedTraceId } from './support/scenario.js';
import { closeAll } from './support/servers.js';

const REQUESTS = 500;
type KoaClass = typeof Koa3;

let server: Server | undefined;
let stopWork: (() => void) | undefined;
afterEach(async () => {
  stopWork?.();
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

function closeServer(): Promise<void> {
  const closing = server;
  server = undefined;
  return closeAll(closing);
}

async function listen(handler: http.RequestListener): Promise<number> {
  server = http.createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function send(
  port: number,
  path: string,
  init: { method?: string; body?: string; headers?: http.OutgoingHttpHeaders } = {},
) {
  const { traceId, header } = randomTraceparent();
  return new Promise<{ status: number; body: string; traceId: string }>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: init.method ?? 'GET',
        agent: false,
        headers: { traceparent: header, ...init.headers },
      },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, traceId }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

describe.each([
  ['Koa 3', Koa3],
  ['Koa 2', Koa2 as unknown as KoaClass],
])('%s', (name, Koa) => {
  type Mount = 'two middlewares' | 'tracing()';
  /** The request context and lines, mounted as one tracing(), or as two: the second one
   * (ctx.log only) joins the request the first started. */
  function mountTracebridge(
    app: { use(middleware: ReturnType<typeof tracing>): unknown },
    mount: Mount,
    logger: ReturnType<typeof createLogger>,
    contextLogger: ReturnType<typeof createLogger> | undefined,
  ) {
    const lineFields = (ctx: KoaContextLike) => ({ expected: expectedTraceId(ctx.req) });
    const errorLog = {
      logger,
      lineFields: ({ req }: { req: http.IncomingMessage }) => ({ expected: expectedTraceId(req) }),
    };
    const context = contextLogger === undefined ? {} : { logger: contextLogger };
    if (mount === 'tracing()') {
      app.use(tracing({ ...context, requestLog: { logger, lineFields }, errorLog }));
      return;
    }
    app.use(tracing({ requestLog: { logger, lineFields }, errorLog }));
    app.use(tracing({ ...context, requestLog: false, errorLog: false }));
  }

  /** An app with tracebridge mounted and the errors Koa reports collected. */
  function errorApp(mount: Mount) {
    const transport = new MemoryTransport();
    const app = new Koa();
    const appErrors: unknown[] = [];
    app.on('error', (err) => appErrors.push(err));
    mountTracebridge(app, mount, createLogger({ transports: [transport] }), undefined);
    return { transport, app, appErrors };
  }

  async function lateWorkApp(mount: Mount = 'two middlewares') {
    const transport = new MemoryTransport({ delayMs: 1 });
    const logger = createLogger({ transports: [transport] });
    const work = createLateWork({
      log: (caseName, req) =>
        logger.info(caseName, { case: caseName, expected: expectedTraceId(req) }),
      wrap: (fn) => bind(fn),
    });
    stopWork = () => work.stop();
    const app = new Koa();
    const router = new Router();
    // The late work writes the response itself, as a raw Node handler would.
    router.post('/:kind/:n', (ctx) => {
      ctx.status = 200;
      ctx.respond = false;
      work.start(ctx.req, ctx.res);
    });
    mountTracebridge(app, mount, logger, logger);
    app.use(router.routes());
    return { port: await listen(app.callback()), transport };
  }

  it.each([
    [
      'keep-alive off',
      'two middlewares',
      (port: number) => concurrentRequests(port, REQUESTS, false),
    ],
    [
      'keep-alive on',
      'two middlewares',
      (port: number) => concurrentRequests(port, REQUESTS, true),
    ],
    ['keep-alive on', 'tracing()', (port: number) => concurrentRequests(port, REQUESTS, true)],
    [
      'pipelined, 10 per connection',
      'two middlewares',
      (port: number) => pipelinedRequests(port, REQUESTS / 10, 10),
    ],
    [
      'pipelined, 10 per connection',
      'tracing()',
      (port: number) => pipelinedRequests(port, REQUESTS / 10, 10),
    ],
  ] as const)(
    '%s, %s: every user and request line carries its own id (500 requests)',
    async (mode, mount, drive) => {
      const { port, transport } = await lateWorkApp(mount);
      expect(await drive(port)).toBe(REQUESTS);
      await settleLines(transport, REQUESTS, closeServer);
      const { user, requests } = readLines(transport);
      console.log(`[${name}, ${mode}, ${mount}] user lines: ${user.describe()}`);
      for (const c of LATE_CASES) expect(user.get(c).right, `${c} never logged`).toBeGreaterThan(0);
      expect(user.total(), user.describe()).toMatchObject({ missing: 0, wrong: 0 });
      expectOneRequestLineEach(requests, REQUESTS);
      expect(new Set([...requests.values()].map((l) => l[0]?.['http.route']))).toEqual(
        new Set(['/:kind/:n']),
      );
    },
  );

  it('aborted requests: one line each, marked aborted, with their own ids', async () => {
    const { port, transport } = await lateWorkApp();
    await abortedRequests(port, 100);
    await settleLines(transport, 100, closeServer);
    const { user, requests } = readLines(transport);
    expectOneRequestLineEach(requests, 100);
    expect([...requests.values()].filter((l) => l[0]?.aborted === true).length).toBeGreaterThan(0);
    expect(user.total(), user.describe()).toMatchObject({ missing: 0, wrong: 0 });
  });

  it("Koa ends the response outside every middleware: a plain ALS 'finish' listener sees no store, tracebridge's the right one", async () => {
    const plainProbes = new Probes();
    const probes = new Probes();
    const als = new AsyncLocalStorage<{ traceId: string }>();
    const plain = new Koa();
    plain.use((ctx, next) => als.run({ traceId: expectedTraceId(ctx.req) }, next));
    const bridged = new Koa();
    bridged.use(tracing({ requestLog: false }));
    const bus = new (await import('node:events')).EventEmitter();
    bus.setMaxListeners(0);
    const tick = setInterval(() => bus.emit('tick'), 2);
    for (const [app, record, traceId] of [
      [plain, plainProbes, () => als.getStore()?.traceId],
      [bridged, probes, () => current()?.traceId],
    ] as const) {
      app.use(async (ctx) => {
        const expected = expectedTraceId(ctx.req);
        ctx.res.on('finish', () => record.record('finish', expected, traceId()));
        ctx.res.on('close', () => record.record('close', expected, traceId()));
        // Koa style: await a shared resource, then set the body for Koa to send.
        await new Promise((resolve) => bus.once('tick', resolve));
        record.record('after await', expected, traceId());
        ctx.body = 'ok';
      });
    }
    try {
      const plainPort = await listen(plain.callback());
      expect(await concurrentRequests(plainPort, 300, true)).toBe(300);
      await closeServer();
      const port = await listen(bridged.callback());
      expect(await concurrentRequests(port, 300, true)).toBe(300);
      await closeServer();
    } finally {
      clearInterval(tick);
    }
    console.log(
      `[${name}] plain ALS: ${plainProbes.describe()} | tracebridge: ${probes.describe()}`,
    );
    expect(plainProbes.get('finish').missing).toBe(300);
    expect(probes.get('finish')).toEqual({ right: 300, missing: 0, wrong: 0 });
    expect(probes.total()).toMatchObject({ right: 900, missing: 0, wrong: 0 });
  });

  it.each(['two middlewares', 'tracing()'] as const)(
    '%s: thrown errors (sync, async, ctx.throw(404)) are logged with the ids and the status Koa sends, and Koa still handles them',
    async (mount) => {
      const { transport, app, appErrors } = errorApp(mount);
      const router = new Router();
      router.get('/sync', () => {
        throw new TypeError('sync boom');
      });
      router.get('/async', async () => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        throw new RangeError('async boom');
      });
      router.get('/missing/:id', (ctx) => ctx.throw(404, 'no such thing'));
      app.use(router.routes());
      const port = await listen(app.callback());
      const replies = await Promise.all(
        ['/sync', '/async', '/missing/7'].map((path) => send(port, path)),
      );
      expect(replies.map((r) => r.status)).toEqual([500, 500, 404]);
      await settleLines(transport, 3, closeServer);
      const lines = transport.lines();
      const errors = lines.filter(
        (l) => l['exception.type'] !== undefined && l['url.path'] === undefined,
      );
      expect(
        errors.map((l) => [
          l['exception.type'],
          l['http.response.status_code'],
          l.level,
          l['http.route'],
        ]),
      ).toEqual(
        expect.arrayContaining([
          ['TypeError', 500, 'error', '/sync'],
          ['RangeError', 500, 'error', '/async'],
          ['NotFoundError', 404, 'warn', '/missing/:id'],
        ]),
      );
      for (const line of errors) {
        expect(line.trace_id).toBe(line.expected);
        expect(line['exception.stacktrace']).toEqual(expect.any(String));
      }
      const { requests } = readLines(transport);
      expectOneRequestLineEach(requests, 3);
      expect([...requests.values()].map((l) => l[0]?.['http.response.status_code']).sort()).toEqual(
        [404, 500, 500],
      );
      expect(appErrors).toHaveLength(3); // Koa's own error path still runs
    },
  );

  it.each(['two middlewares', 'tracing()'] as const)(
    '%s: a streamed body failing after the head went out gets an error line with its ids and the status sent',
    async (mount) => {
      const { transport, app, appErrors } = errorApp(mount);
      app.use((ctx) => {
        let sent = false;
        ctx.body = new Readable({
          read() {
            if (sent) return;
            sent = true;
            this.push('first chunk');
            // Fails from a timer, outside every request context.
            setTimeout(() => this.destroy(new Error('disk gone')), 5);
          },
        });
      });
      const port = await listen(app.callback());
      const { header, traceId } = randomTraceparent();
      // Koa 2 leaves such a response open: the client reads the first chunk, waits for the
      // error line, then hangs up.
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.get({
          host: '127.0.0.1',
          port,
          agent: false,
          headers: { traceparent: header },
        });
        req.on('response', (res) => {
          res.once('data', () => {
            settleLines(transport, 1).then(() => {
              req.destroy();
              resolve(res.statusCode ?? 0);
            }, reject);
          });
        });
        req.on('error', () => undefined);
      });
      expect(status).toBe(200);
      await settleLines(transport, 1, closeServer);
      const errors = transport
        .lines()
        .filter((l) => l['exception.message'] === 'disk gone' && l['url.path'] === undefined);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        trace_id: traceId,
        'http.response.status_code': 200,
        'exception.type': 'Error',
      });
      // Koa 3 reports it twice itself (from the stream and from its pipe into the response).
      expect(appErrors.length).toBeGreaterThanOrEqual(1);
    },
  );

  it('an onerror a middleware before tracebridge set for the request still runs, and the error is logged once', async () => {
    const transport = new MemoryTransport();
    const logger = createLogger({ transports: [transport] });
    const app = new Koa();
    app.silent = true;
    const handled: string[] = [];
    app.use((ctx, next) => {
      const inherited = ctx.onerror;
      ctx.onerror = function ownOnError(this: typeof ctx, err: Error | null) {
        if (err) handled.push(err.message);
        return inherited.call(this, err as Error);
      };
      return next();
    });
    app.use(tracing({ logger }));
    app.use(() => {
      throw new TypeError('own handler boom');
    });
    const port = await listen(app.callback());
    const reply = await send(port, '/x');
    expect(reply.status).toBe(500);
    await settleLines(transport, 1, closeServer);
    const errors = transport
      .lines()
      .filter((l) => l['exception.message'] === 'own handler boom' && l['url.path'] === undefined);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ trace_id: reply.traceId, 'http.response.status_code': 500 });
    expect(handled).toEqual(['own handler boom']);
  });

  it('a JSON body parser, a streamed ctx.body, and finish listeners: right ids under load', async () => {
    const transport = new MemoryTransport({ delayMs: 1 });
    const logger = createLogger({ transports: [transport] });
    const queue: (() => void)[] = [];
    const pump = setInterval(() => {
      for (const job of queue.splice(0)) job();
    }, 2);
    const app = new Koa();
    const router = new Router();
    router.post('/items/:id', (ctx) => {
      const expected = expectedTraceId(ctx.req);
      const meta = {
        expected,
        received: (ctx.request as unknown as { body: { n: number } }).body.n,
      };
      ctx.res.on('finish', () => logger.info('finish', { ...meta, case: 'finish' }));
      const stream = new Readable({ read() {} });
      stream.on('end', () => logger.info('stream end', { ...meta, case: 'stream end' }));
      let left = 3;
      const push = bind(() => {
        stream.push(`chunk ${left}\n`);
        if (--left > 0) queue.push(push);
        else stream.push(null);
      });
      queue.push(push);
      ctx.type = 'text/plain';
      ctx.body = stream;
    });
    app.use(
      tracing({
        logger,
        requestLog: { lineFields: (ctx) => ({ expected: expectedTraceId(ctx.req) }) },
      }),
    );
    app.use(bodyParser());
    app.use(router.routes());
    const port = await listen(app.callback());
    try {
      const replies = await Promise.all(
        Array.from({ length: 200 }, (_, n) =>
          send(port, `/items/${n}`, {
            method: 'POST',
            body: JSON.stringify({ n }),
            headers: { 'content-type': 'application/json' },
          }),
        ),
      );
      expect(
        replies.every((r) => r.status === 200 && r.body === 'chunk 3\nchunk 2\nchunk 1\n'),
      ).toBe(true);
      await settleLines(transport, 200, closeServer);
    } finally {
      clearInterval(pump);
    }
    const { user, requests } = readLines(transport);
    expect(user.total(), user.describe()).toMatchObject({ right: 400, missing: 0, wrong: 0 });
    expectOneRequestLineEach(requests, 200);
    expect([...requests.values()][0]?.[0]?.['http.route']).toBe('/items/:id');
  });

  it('ctx.log (Pattern A) is bound to the request, whichever context calls it', async () => {
    const transport = new MemoryTransport();
    const logger = createLogger({ transports: [transport] });
    const bus = new (await import('node:events')).EventEmitter();
    bus.setMaxListeners(0);
    const app = new Koa();
    app.use(tracing({ logger, requestLog: false }));
    app.use(async (ctx) => {
      const log = ctx.log as typeof logger;
      bus.once('tick', () =>
        log.info('late', { case: 'ctx.log', expected: expectedTraceId(ctx.req) }),
      );
      ctx.body = 'ok';
    });
    const port = await listen(app.callback());
    await Promise.all(Array.from({ length: 50 }, () => send(port, '/')));
    bus.emit('tick');
    await settleLines(transport, 0, closeServer);
    expect(readLines(transport).user.get('ctx.log')).toEqual({ right: 50, missing: 0, wrong: 0 });
  });
  it('tracing(): ctx.log and the request line from one middleware; requestLog: false and errorLog: false leave them out', async () => {
    const transport = new MemoryTransport();
    const logger = createLogger({ transports: [transport] });
    const make = (options: Parameters<typeof tracing>[0]) => {
      const app = new Koa();
      app.silent = true;
      app.use(tracing(options));
      app.use((ctx) => {
        if (ctx.path === '/boom') throw new Error('boom');
        (ctx.log as typeof logger).info('handler', {
          case: 'ctx.log',
          expected: expectedTraceId(ctx.req),
        });
        ctx.body = ctx.state.traceContext?.traceId;
      });
      return app;
    };
    for (const [options, requestLines, errorLines] of [
      [{ logger }, 2, 1],
      [{ logger, requestLog: false }, 0, 1],
      [{ logger, errorLog: false }, 2, 0],
      [{ logger, requestLog: false, errorLog: false }, 0, 0],
    ] as const) {
      transport.records.length = 0;
      const port = await listen(make(options).callback());
      const ok = await send(port, '/');
      expect(ok.body).toBe(ok.traceId);
      expect((await send(port, '/boom')).status).toBe(500);
      await settleLines(transport, requestLines + errorLines, closeServer);
      const lines = transport.lines();
      expect(readLines(transport).user.get('ctx.log')).toEqual({ right: 1, missing: 0, wrong: 0 });
      expect(lines.filter((l) => l['url.path'] !== undefined)).toHaveLength(requestLines);
      expect(lines.filter((l) => l.message === 'boom')).toHaveLength(errorLines);
      server?.close();
      server = undefined;
    }
  });

  it('tracing() refuses bad options with a clear error', () => {
    const logger = createLogger({ transports: [new MemoryTransport()] });
    expect(() => tracing()).toThrow(/the request line needs a logger/);
    expect(() => tracing(null as never)).toThrow(/expects an object, got null/);
    expect(() => tracing({ logger, requestLog: 'yes' as never })).toThrow(
      /requestLog must be request log options or false/,
    );
    expect(() => tracing({ logger, errorLog: 1 as never })).toThrow(
      /errorLog must be error log options or false/,
    );
    expect(() => tracing({ logger: {} as never })).toThrow(/@tracebridge\/(core|koa): .*logger/);
    expect(() => tracing({ logger, requestLog: { level: 3 as never } })).toThrow(/level/);
    expect(tracing({ requestLog: false })).toBeTypeOf('function');
  });
});

describe('Koa 3 with asyncLocalStorage: true', () => {
  it('app.currentContext and tracebridge both hold in late callbacks', async () => {
    const app = new Koa3({ asyncLocalStorage: true });
    const probes = new Probes();
    const bus = new (await import('node:events')).EventEmitter();
    bus.setMaxListeners(0);
    app.use(tracing({ requestLog: false }));
    app.use(async (ctx) => {
      const expected = expectedTraceId(ctx.req);
      ctx.res.on('finish', () => {
        probes.record('tracebridge', expected, current()?.traceId);
        probes.record(
          'app.currentContext',
          expected,
          app.currentContext ? expectedTraceId(app.currentContext.req) : undefined,
        );
      });
      await new Promise((resolve) => bus.once('tick', resolve));
      ctx.body = 'ok';
    });
    const tick = setInterval(() => bus.emit('tick'), 2);
    try {
      const port = await listen(app.callback());
      expect(await concurrentRequests(port, 200, true)).toBe(200);
      await closeServer();
    } finally {
      clearInterval(tick);
    }
    expect(probes.get('tracebridge')).toEqual({ right: 200, missing: 0, wrong: 0 });
    expect(probes.get('app.currentContext')).toEqual({ right: 200, missing: 0, wrong: 0 });
  });
});
