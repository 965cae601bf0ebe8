/**
 * The adapters on real Express 4 and 5 and Koa 2 and 3: the context reaches the handler and
 * late `finish` listeners, including Koa's, whose response is ended outside any middleware.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { current } from '@tracebridge/core';
import { tracing as expressTracing } from '@tracebridge/express';
import { tracing as koaTracing } from '@tracebridge/koa';
import express5 from 'express';
import express4 from 'express4';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import { afterEach, describe, expect, it } from 'vitest';
import { random } from '../packages/core/test-support/random.js';
import { concurrentRequests } from './support/load.js';
import { Probes } from './support/probes.js';
import { expectedTraceId } from './support/scenario.js';

let server: Server | undefined;
/** Closes every connection and the server: every request has ended (and its late listeners
 * have run) once it resolves. */
async function closeServer() {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
  await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
afterEach(closeServer);

async function listen(
  handler: Parameters<typeof import('node:http').createServer>[1],
): Promise<number> {
  const { createServer } = await import('node:http');
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe.each([
  ['Express 5', express5],
  ['Express 4', express4 as unknown as typeof express5],
])('%s', (_name, express) => {
  it('req.traceContext, the handler and a late finish listener carry the request id (300 concurrent)', async () => {
    const probes = new Probes();
    const app = express();
    app.use(expressTracing({ requestLog: false }));
    app.post('/r/:n', (req, res) => {
      const expected = expectedTraceId(req);
      probes.record(
        'req.traceContext',
        expected,
        (req as { traceContext?: { traceId: string } }).traceContext?.traceId,
      );
      res.on('finish', () => probes.record('finish', expected, current()?.traceId));
      setTimeout(() => res.send('ok'), random() * 10);
    });
    const port = await listen(app);
    expect(await concurrentRequests(port, 300, true)).toBe(300);
    await closeServer();
    expect(probes.get('finish').right).toBe(300);
    expect(probes.total()).toMatchObject({ right: 600, missing: 0, wrong: 0 });
  });
});

describe('adapter options are checked at creation', () => {
  it('refuses a logger that is neither Winston nor pino-style, with the package name', () => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => expressTracing({ logger: { info() {} } as any })).toThrow(
      /^@tracebridge\/express: logger must be/,
    );
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => koaTracing({ logger: 'console' as any })).toThrow(
      /^@tracebridge\/koa: logger must be/,
    );
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => expressTracing({ trustIncoming: 'yes' as any })).toThrow(/trustIncoming/);
  });
});

describe.each([
  ['Koa 3', Koa3],
  ['Koa 2', Koa2 as unknown as typeof Koa3],
])('%s', (_name, Koa) => {
  it('ctx.state.traceContext, after await next(), and finish listeners carry the request id', async () => {
    const probes = new Probes();
    const app = new Koa();
    app.use(koaTracing({ requestLog: false }));
    app.use(async (ctx, next) => {
      const expected = expectedTraceId(ctx.req);
      probes.record(
        'ctx.state',
        expected,
        (ctx.state.traceContext as { traceId: string } | undefined)?.traceId,
      );
      // Koa ends the response after the middleware promise settles, outside every run().
      ctx.res.on('finish', () => probes.record('finish', expected, current()?.traceId));
      await new Promise((resolve) => setTimeout(resolve, random() * 10));
      await next();
      probes.record('after next', expected, current()?.traceId);
      ctx.body = 'ok';
    });
    const port = await listen(app.callback());
    expect(await concurrentRequests(port, 300, true)).toBe(300);
    await closeServer();
    expect(probes.get('finish').right).toBe(300);
    expect(probes.total()).toMatchObject({ right: 900, missing: 0, wrong: 0 });
  });
});
