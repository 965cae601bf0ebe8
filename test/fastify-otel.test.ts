/**
 * @tracebridge/fastify with the real OpenTelemetry SDK, the HTTP instrumentation, Fastify's
 * official instrumentation (@fastify/otel) and @opentelemetry/instrumentation-pino: the ids
 * on every line — Fastify's own, the request line, request.log's from the handler and from
 * late callbacks — are those of exported spans of the line's own request; a line written in
 * the handler names @fastify/otel's handler span; no line has two sets of ids.
 */
import { createRequire } from 'node:module';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLines } from './support/log-lines.js';
import { installOtelSdk } from './support/otel.js';
import { PinoMemory } from './support/pino-memory.js';
import { expectLinesOnSpans } from './support/span-checks.js';

const REQUESTS = 200;
const require = createRequire(import.meta.url);
let otel: ReturnType<typeof installOtelSdk>;
let unregister: () => void;
let fastifyOtel: { plugin(): unknown };
beforeAll(() => {
  otel = installOtelSdk();
  const FastifyOtelInstrumentation = require('@fastify/otel') as new () => typeof fastifyOtel;
  fastifyOtel = new FastifyOtelInstrumentation();
  // Before fastify and pino are loaded (required below, which the instrumentations hook).
  unregister = registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({ ignoreOutgoingRequestHook: () => true }),
      new PinoInstrumentation(),
      fastifyOtel as never,
    ],
  });
});
afterAll(async () => {
  unregister();
  await otel.uninstall();
});

describe('Fastify 5 with the OpenTelemetry SDK, @fastify/otel and instrumentation-pino', () => {
  it("every line carries an exported span of its own request; the handler's names the handler span", async () => {
    const { EventEmitter } = await import('node:events');
    const Fastify = require('fastify') as typeof import('fastify').default;
    const pino = require('pino') as typeof import('pino').default;
    const { tracing } = await import('@tracebridge/fastify');
    const { concurrentRequests } = await import('./support/load.js');
    const { expectedTraceId } = await import('./support/scenario.js');

    const destination = new PinoMemory(1);
    const bus = new EventEmitter();
    bus.setMaxListeners(0);
    const tick = setInterval(() => bus.emit('tick'), 2);
    const app = Fastify({
      loggerInstance: pino(destination.stream),
      genReqId: (req) => expectedTraceId(req),
    });
    // tracebridge first: @fastify/otel's request span then starts in the request's context,
    // and lines written in its spans name them.
    await app.register(tracing, {
      requestLog: { lineFields: (request) => ({ expected: expectedTraceId(request.raw) }) },
    });
    await app.register(fastifyOtel.plugin() as never);
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_request, payload, done) => {
      payload.resume();
      payload.on('end', () => done(null));
    });
    app.post('/:kind/:n', (request, reply) => {
      const expected = expectedTraceId(request.raw);
      request.log.info({ case: 'handler', expected }, 'in handler');
      reply.raw.on('finish', () => request.log.info({ case: 'finish', expected }, 'finish'));
      bus.once('tick', () => {
        request.log.info({ case: 'bus (request.log)', expected }, 'late');
        reply.send('ok');
      });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as { port: number };
      expect(await concurrentRequests(port, REQUESTS, true)).toBe(REQUESTS);
    } finally {
      clearInterval(tick);
      app.server.closeAllConnections();
      await app.close();
      await destination.drained();
    }
    const spans = otel.spans.getFinishedSpans();
    const { lines, user, requests } = readLines(destination);
    console.log(`[Fastify + @fastify/otel + instrumentation-pino] user lines: ${user.describe()}`);
    expect(user.total(), user.describe()).toMatchObject({
      right: REQUESTS * 3,
      missing: 0,
      wrong: 0,
    });
    // Fastify's own lines name the request by its reqId (the caller's trace id).
    const own = lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed');
    expect(own).toHaveLength(REQUESTS * 2);
    for (const line of own) expect(line.trace_id).toBe(line.reqId);
    expectLinesOnSpans(
      spans,
      requests,
      lines.filter((l) => l.trace_id !== undefined),
      REQUESTS,
    );
    // In the handler, the line names @fastify/otel's handler span, not the server span.
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const handlerLines = lines.filter((l) => l.case === 'handler');
    for (const line of handlerLines) {
      expect(byId.get(String(line.span_id))?.name).toMatch(/handler/);
    }
    expect(destination.raw.filter((l) => l.split('"trace_id":').length > 2)).toEqual([]);
  });

  it('@fastify/otel registered first: the lines keep their request, and a warning says to swap', async () => {
    const Fastify = require('fastify') as typeof import('fastify').default;
    const pino = require('pino') as typeof import('pino').default;
    const { tracing } = await import('@tracebridge/fastify');
    const destination = new PinoMemory();
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const app = Fastify({ loggerInstance: pino(destination.stream) });
    await app.register(fastifyOtel.plugin() as never);
    await app.register(tracing);
    app.get('/', async (request) => {
      request.log.info('in handler');
      return 'ok';
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const trace = 'e'.repeat(32);
    try {
      const { port } = app.server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        headers: { traceparent: `00-${trace}-00f067aa0ba902b7-01` },
      });
      expect(response.status).toBe(200);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      app.server.closeAllConnections();
      await app.close();
      process.off('warning', onWarning);
    }
    const line = destination.records.find((l) => l.msg === 'in handler');
    expect(line?.trace_id).toBe(trace);
    expect(warnings.map((w) => (w as { code?: string }).code)).toContain(
      'TRACEBRIDGE_REGISTER_ORDER',
    );
  });
});
