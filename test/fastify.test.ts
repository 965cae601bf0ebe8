/**
 * @tracebridge/fastify on real Fastify 4 and 5, with pino writing into a slow asynchronous
 * destination: the shared late-callback matrix under concurrency (keep-alive on and off,
 * pipelined raw sockets, aborts, streamed bodies, shared emitters, timers), Fastify's own
 * "incoming request" and "request completed" lines, the request line — next to the plain
 * AsyncLocalStorage + pino mixin setup users write by hand, in the same test.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bind, current } from '@tracebridge/core';
import { createPinoLogger, traceMixin } from '@tracebridge/core/pino';
import { tracing } from '@tracebridge/fastify';
import Fastify5, { type FastifyInstance } from 'fastify';
import Fastify4 from 'fastify4';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LATE_CASES } from './support/cases.js';
import { abortedRequests, concurrentRequests, pipelinedRequests } from './support/load.js';
import { expectOneRequestLineEach, readLines } from './support/log-lines.js';
import { PinoMemory } from './support/pino-memory.js';
import { Probes } from './support/probes.js';
import { createLateWork, expectedTraceId } from './support/scenario.js';
import { waitFor } from './support/services.js';

const REQUESTS = 500;
type FastifyFactory = typeof Fastify5;
/** Fastify's options vary by major; the apps here are plain HTTP/1 servers. */
const make = (Fastify: FastifyFactory, opts: object) =>
  Fastify(opts as never) as unknown as FastifyInstance;
type Setup = 'traceMixin' | 'createPinoLogger' | 'plain ALS + mixin';

/** Fastify 5 takes a pino instance as `loggerInstance`, Fastify 4 as `logger`. */
function options(major: 4 | 5, logger: pino.Logger) {
  return {
    [major === 4 ? 'logger' : 'loggerInstance']: logger,
    // Fastify's reqId is the trace id the client sent: its own lines can be checked.
    genReqId: (req: IncomingMessage) => expectedTraceId(req),
  };
}

/** A Fastify app whose route hands the request to the shared late work (which writes the
 * response itself, from a timer, a pool, a bus, a queue or a stream). */
async function lateWorkApp(Fastify: FastifyFactory, major: 4 | 5, setup: Setup) {
  const destination = new PinoMemory(1);
  const als = new AsyncLocalStorage<{ traceId: string }>();
  const logger =
    setup === 'createPinoLogger'
      ? createPinoLogger({}, destination.stream)
      : setup === 'traceMixin'
        ? pino({ mixin: traceMixin() }, destination.stream)
        : pino({ mixin: () => ({ trace_id: als.getStore()?.traceId }) }, destination.stream);
  const plain = setup === 'plain ALS + mixin';
  const work = createLateWork({
    log: (name, req) => logger.info({ case: name, expected: expectedTraceId(req) }, name),
    wrap: (fn) => (plain ? fn : bind(fn)),
  });
  const app = make(Fastify, options(major, logger));
  if (plain) {
    app.addHook('onRequest', (request, _reply, done) =>
      als.run({ traceId: expectedTraceId(request.raw) }, done),
    );
  } else {
    await app.register(tracing, {
      requestLog: { lineFields: (request) => ({ expected: expectedTraceId(request.raw) }) },
    });
  }
  // The body is left to the late work, which reads it from request.raw.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  app.post('/:kind/:n', (request, reply) => {
    reply.hijack();
    work.start(request.raw, reply.raw);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: (app.server.address() as AddressInfo).port,
    destination,
    /** Every request has ended and every line is written once this resolves. */
    async close() {
      app.server.closeAllConnections();
      await app.close();
      work.stop();
      await destination.drained();
    },
  };
}

/** Fastify's own lines, checked against the reqId (the trace id the client sent). */
function fastifyLines(records: Record<string, unknown>[]) {
  const probes = new Probes();
  for (const line of records) {
    if (line.msg === 'incoming request' || line.msg === 'request completed') {
      probes.record(String(line.msg), String(line.reqId), line.trace_id as string | undefined);
    }
  }
  return probes;
}

describe.each([
  ['Fastify 5', Fastify5, 5 as const],
  ['Fastify 4', Fastify4 as unknown as FastifyFactory, 4 as const],
])('%s', (name, Fastify, major) => {
  it.each([
    ['keep-alive off', 'traceMixin', (port: number) => concurrentRequests(port, REQUESTS, false)],
    [
      'keep-alive on',
      'createPinoLogger',
      (port: number) => concurrentRequests(port, REQUESTS, true),
    ],
    [
      'pipelined, 10 per connection',
      'traceMixin',
      (port: number) => pipelinedRequests(port, REQUESTS / 10, 10),
    ],
  ] as const)(
    '%s, pino with %s: every user, Fastify and request line carries its own id (500 requests)',
    async (mode, setup, drive) => {
      const app = await lateWorkApp(Fastify, major, setup);
      try {
        expect(await drive(app.port)).toBe(REQUESTS);
      } finally {
        await app.close();
      }
      const { user, requests } = readLines(app.destination);
      const own = fastifyLines(app.destination.records);
      console.log(
        `[${name}, ${mode}, ${setup}] user lines: ${user.describe()}; Fastify's: ${own.describe()}`,
      );
      for (const c of LATE_CASES) expect(user.get(c).right, `${c} never logged`).toBeGreaterThan(0);
      expect(user.total(), user.describe()).toMatchObject({ missing: 0, wrong: 0 });
      expect(own.get('request completed').right).toBe(REQUESTS);
      expect(own.total()).toMatchObject({ right: 2 * REQUESTS, missing: 0, wrong: 0 });
      expectOneRequestLineEach(requests, REQUESTS);
      expect(new Set([...requests.values()].map((l) => l[0]?.['http.route']))).toEqual(
        new Set(['/:kind/:n']),
      );
      // One set of ids per line, whichever writes them.
      expect(app.destination.raw.filter((l) => l.split('"trace_id":').length > 2)).toEqual([]);
    },
  );

  it('plain ALS + a pino mixin, the same app and load: ids lost and mixed up', async () => {
    const app = await lateWorkApp(Fastify, major, 'plain ALS + mixin');
    try {
      expect(await concurrentRequests(app.port, REQUESTS, true)).toBe(REQUESTS);
    } finally {
      await app.close();
    }
    const { user } = readLines(app.destination);
    const own = fastifyLines(app.destination.records);
    console.log(
      `[${name}, plain ALS + mixin] user lines: ${user.describe()}; Fastify's: ${own.describe()}`,
    );
    // Fastify writes "request completed" from a 'finish' listener: no store, or another's.
    expect(own.get('request completed').right).toBeLessThan(REQUESTS);
    expect(user.get('pool callback').wrong).toBeGreaterThan(0);
    expect(user.get('bus listener').missing).toBeGreaterThan(0);
    expect(user.total().missing + user.total().wrong).toBeGreaterThan(0);
  });

  it('aborted requests: one request line each, marked aborted, every line its own id', async () => {
    const app = await lateWorkApp(Fastify, major, 'traceMixin');
    try {
      await abortedRequests(app.port, 100);
      // The client is gone; the server may still be reading what it sent.
      await waitFor(
        () => app.destination.records.filter((l) => l['url.path'] !== undefined).length >= 100,
        15_000,
      );
    } finally {
      await app.close();
    }
    const { user, requests } = readLines(app.destination);
    expectOneRequestLineEach(requests, 100);
    const aborted = [...requests.values()].filter((l) => l[0]?.aborted === true);
    expect(aborted.length).toBeGreaterThan(0);
    for (const [line] of aborted) expect(line).not.toHaveProperty('http.response.status_code');
    expect(user.total(), user.describe()).toMatchObject({ missing: 0, wrong: 0 });
    expect(fastifyLines(app.destination.records).total()).toMatchObject({ missing: 0, wrong: 0 });
  });

  it('hooks and the handler run in the context; errors reach Fastify’s handler with the ids', async () => {
    const destination = new PinoMemory();
    const app = make(Fastify, options(major, pino(destination.stream)));
    await app.register(tracing, { traceResponse: true, requestLog: {} });
    const seen: Record<string, string | undefined> = {};
    app.addHook('preHandler', async (request) => {
      seen[`preHandler ${request.url}`] = current()?.traceId;
    });
    app.get('/ok/:id', async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      seen[`handler ${request.url}`] = current()?.traceId;
      return { traceId: request.traceContext.traceId };
    });
    app.get('/fail', async () => {
      throw Object.assign(new Error('no such order'), { statusCode: 404 });
    });
    app.get('/boom', async () => {
      throw new TypeError('boom');
    });
    const traceparent = (id: string) => ({ traceparent: `00-${id}-00f067aa0ba902b7-01` });
    const a = 'a'.repeat(32);
    const ok = await app.inject({ url: '/ok/7', headers: traceparent(a) });
    expect(ok.json()).toEqual({ traceId: a });
    expect(ok.headers['server-timing']).toMatch(new RegExp(`^trace;desc=00-${a}-[0-9a-f]{16}-01$`));
    expect(seen).toEqual({ 'preHandler /ok/7': a, 'handler /ok/7': a });
    const b = 'b'.repeat(32);
    const c = 'c'.repeat(32);
    expect((await app.inject({ url: '/fail', headers: traceparent(b) })).statusCode).toBe(404);
    expect((await app.inject({ url: '/boom', headers: traceparent(c) })).statusCode).toBe(500);
    await app.close();
    const lines = destination.records;
    // Fastify's own error lines (its error handler) carry the request's ids.
    const boom = lines.find((l) => (l.err as { type?: string } | undefined)?.type === 'TypeError');
    expect(boom).toMatchObject({ trace_id: c });
    // The request lines: the route, the status, error.type for the failures.
    const requestLines = lines.filter((l) => l['url.path'] !== undefined);
    expect(
      requestLines.map((l) => [
        l.trace_id,
        l['http.route'],
        l['http.response.status_code'],
        l['error.type'],
      ]),
    ).toEqual([
      [a, '/ok/:id', 200, undefined],
      [b, '/fail', 404, 'Error'],
      [c, '/boom', 500, 'TypeError'],
    ]);
  });

  it.each([
    [
      'passes its options on',
      (logger: pino.Logger, bindings: object, opts: object) =>
        logger.child({ ...bindings, mine: 1 }, opts),
    ],
    [
      'drops its options',
      (logger: pino.Logger, bindings: object) => logger.child({ ...bindings, mine: 1 }),
    ],
  ])(
    'a child logger factory of the user’s that %s: kept, and its lines carry the ids',
    async (_how, factory) => {
      const destination = new PinoMemory();
      const app = make(Fastify, options(major, pino(destination.stream)));
      app.setChildLoggerFactory(factory as never);
      await app.register(tracing);
      app.get('/', async (request) => {
        request.log.info('hello');
        return 'ok';
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const trace = 'd'.repeat(32);
      try {
        const { port } = app.server.address() as AddressInfo;
        await fetch(`http://127.0.0.1:${port}/`, {
          headers: { traceparent: `00-${trace}-00f067aa0ba902b7-01` },
        });
      } finally {
        app.server.closeAllConnections();
        await app.close();
      }
      const hello = destination.records.find((l) => l.msg === 'hello');
      expect(hello).toMatchObject({ mine: 1, trace_id: trace, reqId: trace });
      // "incoming request", "hello", "request completed": one set of ids each.
      const ofRequest = destination.raw.filter((l) => l.includes('"reqId"'));
      expect(ofRequest.length).toBe(3);
      expect(ofRequest.filter((l) => l.split('"trace_id":').length !== 2)).toEqual([]);
    },
  );

  it('options are checked at register: a mistake is a TypeError naming the option', async () => {
    const logger = pino(new PinoMemory().stream);
    for (const [given, message] of [
      [{ requestLog: { level: 'nope' } }, /@tracebridge\/fastify: requestLog: .*"nope"/],
      [{ nope: true }, /@tracebridge\/fastify: unknown option "nope"/],
      [{ traceResponse: 'yes' }, /@tracebridge\/fastify: .*traceResponse/],
    ] as const) {
      const app = make(Fastify, options(major, logger));
      await expect(app.register(tracing, given as never).ready()).rejects.toThrow(message);
    }
    // Fastify without a logger: no request line to write, and it says so.
    await expect(Fastify().register(tracing, { requestLog: {} }).ready()).rejects.toThrow(
      /the request line needs a logger/,
    );
  });
});
