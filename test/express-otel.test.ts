/**
 * @tracebridge/express with the real OpenTelemetry SDK and its HTTP and Express
 * instrumentations: the request line carries the exported server span's ids, every user
 * line a span of its own request's trace — also from late callbacks.
 */
import { createRequire } from 'node:module';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
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
  // Before http and express are loaded (the imports below are dynamic for that reason);
  // the load generator's own requests are not traced, so their traceparent reaches the server.
  unregister = registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({ ignoreOutgoingRequestHook: () => true }),
      new ExpressInstrumentation(),
    ],
  });
});
afterAll(async () => {
  unregister();
  await otel.uninstall();
});

describe('Express with the OpenTelemetry SDK (HTTP + Express instrumentations)', () => {
  it('request lines carry the server span ids; user lines, spans of their own trace', async () => {
    const http = (await import('node:http')).default;
    const { EventEmitter } = await import('node:events');
    // Through require(), which the instrumentations hook (ESM apps preload OTel's loader).
    const express = createRequire(import.meta.url)('express') as typeof import('express');
    const { bind } = await import('@tracebridge/core');
    const { createLogger } = await import('@tracebridge/core/winston');
    const { tracing } = await import('@tracebridge/express');
    const { concurrentRequests } = await import('./support/load.js');
    const { expectedTraceId } = await import('./support/scenario.js');

    const transport = new MemoryTransport({ delayMs: 1 });
    const logger = createLogger({ transports: [transport] });
    const bus = new EventEmitter();
    bus.setMaxListeners(0);
    const tick = setInterval(() => bus.emit('tick'), 2);
    const app = express();
    app.use(
      tracing({
        logger,
        requestLog: { lineFields: (req) => ({ expected: expectedTraceId(req) }) },
      }),
    );
    app.post('/:kind/:n', (req, res) => {
      const meta = { expected: expectedTraceId(req) };
      logger.info('in handler', { ...meta, case: 'handler' });
      res.on('finish', () => logger.info('finish', { ...meta, case: 'finish' }));
      bus.once(
        'tick',
        bind(() => {
          req.log.info('late, Pattern A', { ...meta, case: 'bus (req.log)' });
          logger.info('late, bound', { ...meta, case: 'bus (bind)' });
          res.send('ok');
        }),
      );
    });
    const server = http.createServer(app);
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
    expect(spans.some((s) => s.name.startsWith('request handler'))).toBe(true);
    const { lines, user, requests } = readLines(transport);
    expect(user.total(), user.describe()).toMatchObject({
      right: REQUESTS * 4,
      missing: 0,
      wrong: 0,
    });
    expectLinesOnSpans(spans, requests, lines, REQUESTS);
  });
});
