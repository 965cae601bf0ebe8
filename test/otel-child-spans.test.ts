/**
 * req.log / ctx.log under the real OpenTelemetry SDK with the HTTP, Express and Koa
 * instrumentations: a line written inside a child span the request started names that child
 * span; a late callback fired from another request — one of the same trace too, inside its
 * own child span — names its own request's server span. Requests come in pairs sharing a
 * trace id, so that a wrong line cannot hide behind the right trace id.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KoaInstrumentation } from '@opentelemetry/instrumentation-koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTransport } from '../packages/core/test-support/winston.js';
import { installOtelSdk } from './support/otel.js';

const PAIRS = 60;
const SERVER = 1; // SpanKind.SERVER

let otel: ReturnType<typeof installOtelSdk>;
let unregister: () => void;
beforeAll(() => {
  otel = installOtelSdk();
  unregister = registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({ ignoreOutgoingRequestHook: () => true }),
      new ExpressInstrumentation(),
      new KoaInstrumentation(),
    ],
  });
});
afterAll(async () => {
  unregister();
  await otel.uninstall();
});

interface Logged {
  n: string;
  case: 'child' | 'late';
  span_id: string;
  trace_id: string;
}

/** What a request's handler does, whatever the framework: a child span with a line in it,
 * and a line from a bus that another request fires, from inside its own child span. */
function handlerWork(bus: EventEmitter, tracer: ReturnType<typeof installOtelSdk>['tracer']) {
  return (n: string, log: { info(message: string, meta: object): unknown }) =>
    new Promise<void>((resolve) => {
      tracer.startActiveSpan('db-query', { attributes: { n } }, (span) => {
        log.info('in child span', { n, case: 'child' });
        bus.emit('tick'); // fires the late lines of requests before this one, in this span
        span.end();
      });
      // Registered after this request's own emit: another request fires it.
      bus.once('tick', () => log.info('late', { n, case: 'late' }));
      setTimeout(resolve, 1);
    });
}

async function drive(port: number) {
  const http = (await import('node:http')).default;
  const { randomBytes } = await import('node:crypto');
  const get = (n: number, traceId: string) =>
    new Promise<void>((resolve, reject) => {
      const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
      http
        .get(
          { host: '127.0.0.1', port, path: `/r/${n}`, agent: false, headers: { traceparent } },
          (res) => res.resume().on('end', () => resolve()),
        )
        .on('error', reject);
    });
  const all: Promise<void>[] = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    const traceId = randomBytes(16).toString('hex');
    all.push(get(pair * 2, traceId), get(pair * 2 + 1, traceId));
  }
  await Promise.all(all);
}

function check(lines: Logged[]) {
  const spans = otel.spans.getFinishedSpans();
  const childOf = new Map(
    spans
      .filter((s) => s.name === 'db-query')
      .map((s) => [String(s.attributes.n), s.spanContext().spanId]),
  );
  const serverOf = new Map(
    spans
      .filter((s) => s.kind === SERVER)
      .map((s) => {
        const url = String(s.attributes['http.target'] ?? s.attributes['url.path'] ?? '');
        return [url.replace('/r/', ''), s.spanContext().spanId];
      }),
  );
  const counts = { child: { right: 0, wrong: 0 }, late: { right: 0, wrong: 0 } };
  for (const line of lines) {
    const expected = line.case === 'child' ? childOf.get(line.n) : serverOf.get(line.n);
    counts[line.case][line.span_id === expected ? 'right' : 'wrong']++;
  }
  return counts;
}

describe('a request-bound logger under OpenTelemetry', () => {
  it('Express: req.log names the child span it is written in, and its own request from late callbacks', async () => {
    const http = (await import('node:http')).default;
    const express = createRequire(import.meta.url)('express') as typeof import('express');
    const { createLogger } = await import('@tracebridge/core/winston');
    const { tracing } = await import('@tracebridge/express');
    const transport = new MemoryTransport();
    const logger = createLogger({ transports: [transport] });
    const bus = new EventEmitter().setMaxListeners(0);
    const work = handlerWork(bus, otel.tracer);
    const app = express();
    app.use(tracing({ logger, requestLog: false }));
    app.get('/r/:n', async (req, res) => {
      await work(String(req.params.n), req.log as typeof logger);
      res.send('ok');
    });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await drive((server.address() as { port: number }).port);
      bus.emit('tick'); // the last ones, from no request at all
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    const counts = check(transport.lines() as unknown as Logged[]);
    expect(counts).toEqual({
      child: { right: PAIRS * 2, wrong: 0 },
      late: { right: PAIRS * 2, wrong: 0 },
    });
  });

  it('Koa: ctx.log does the same', async () => {
    const http = (await import('node:http')).default;
    const requireCjs = createRequire(import.meta.url);
    const Koa = requireCjs('koa') as typeof import('koa');
    const Router = (requireCjs('@koa/router') as { default: typeof import('@koa/router').default })
      .default;
    const { createLogger } = await import('@tracebridge/core/winston');
    const { tracing } = await import('@tracebridge/koa');
    const transport = new MemoryTransport();
    const logger = createLogger({ transports: [transport] });
    const bus = new EventEmitter().setMaxListeners(0);
    const work = handlerWork(bus, otel.tracer);
    const app = new Koa();
    const router = new Router();
    router.get('/r/:n', async (ctx) => {
      await work(String(ctx.params.n), ctx.log as typeof logger);
      ctx.body = 'ok';
    });
    app.use(tracing({ logger, requestLog: false }));
    app.use(router.routes());
    const server = http.createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await drive((server.address() as { port: number }).port);
      bus.emit('tick');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    const counts = check(transport.lines() as unknown as Logged[]);
    expect(counts).toEqual({
      child: { right: PAIRS * 2, wrong: 0 },
      late: { right: PAIRS * 2, wrong: 0 },
    });
  });
});
