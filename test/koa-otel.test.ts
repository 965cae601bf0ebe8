/**
 * @tracebridge/koa with the real OpenTelemetry SDK and its HTTP and Koa instrumentations:
 * the request line carries the exported server span's ids, every user line a span of its
 * own request's trace — also Koa's finish listeners and late callbacks.
 */
import { createRequire } from 'node:module';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KoaInstrumentation } from '@opentelemetry/instrumentation-koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTransport } from '../packages/core/test-support/winston.js';
import { readLines, settleLines } from './support/log-lines.js';
import { installOtelSdk } from './support/otel.js';
import { expectLinesOnSpans } from './support/span-checks.js';

const REQUESTS = 200;
let otel: ReturnType<typeof installOtelSdk>;
let unregister: () => void;
beforeAll(() => {
  otel = installOtelSdk();
  unregister = registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({ ignoreOutgoingRequestHook: () => true }),
      new KoaInstrumentation(),
    ],
  });
});
afterAll(async () => {
  unregister();
  await otel.uninstall();
});

describe('Koa with the OpenTelemetry SDK (HTTP + Koa instrumentations)', () => {
  it('request lines carry the server span ids; user lines, spans of their own trace', async () => {
    const http = (await import('node:http')).default;
    const { EventEmitter } = await import('node:events');
    // Through require(), which the instrumentations hook (ESM apps preload OTel's loader).
    const requireCjs = createRequire(import.meta.url);
    const Koa = requireCjs('koa') as typeof import('koa');
    const Router = (requireCjs('@koa/router') as { default: typeof import('@koa/router').default })
      .default;
    const { bind } = await import('@tracebridge/core');
    const { createLogger } = await import('@tracebridge/core/winston');
    const { tracing } = await import('@tracebridge/koa');
    const { concurrentRequests } = await import('./support/load.js');
    const { expectedTraceId } = await import('./support/scenario.js');

    const transport = new MemoryTransport({ delayMs: 1 });
    const logger = createLogger({ transports: [transport] });
    const bus = new EventEmitter();
    bus.setMaxListeners(0);
    const tick = setInterval(() => bus.emit('tick'), 2);
    const app = new Koa();
    const router = new Router();
    router.post('/:kind/:n', async (ctx) => {
      const meta = { expected: expectedTraceId(ctx.req) };
      logger.info('in handler', { ...meta, case: 'handler' });
      ctx.res.on('finish', () => logger.info('finish', { ...meta, case: 'finish' }));
      await new Promise((resolve) =>
        bus.once(
          'tick',
          bind(() => {
            (ctx.log as typeof logger).info('late, Pattern A', { ...meta, case: 'bus (ctx.log)' });
            resolve(undefined);
          }),
        ),
      );
      ctx.body = 'ok';
    });
    app.use(
      tracing({
        logger,
        requestLog: { lineFields: (ctx) => ({ expected: expectedTraceId(ctx.req) }) },
      }),
    );
    app.use(router.routes());
    const server = http.createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      expect(await concurrentRequests(port, REQUESTS, true)).toBe(REQUESTS);
      await settleLines(transport, REQUESTS, async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      });
    } finally {
      clearInterval(tick);
      if (server.listening) {
        server.closeAllConnections();
        server.close();
      }
    }
    const spans = otel.spans.getFinishedSpans();
    expect(spans.some((s) => s.name.startsWith('middleware') || s.name.startsWith('router'))).toBe(
      true,
    );
    const { lines, user, requests } = readLines(transport);
    expect(user.total(), user.describe()).toMatchObject({
      right: REQUESTS * 3,
      missing: 0,
      wrong: 0,
    });
    for (const [line] of requests.values()) expect(line?.['http.route']).toBe('/:kind/:n');
    expectLinesOnSpans(spans, requests, lines, REQUESTS);
  });
});
