/**
 * @tracebridge/express on real Express 4 and 5: the late-callback matrix under concurrency
 * (keep-alive on and off, pipelined raw sockets), aborts, errors and bad input. User lines
 * and request lines go through Winston behind a slow transport, read back as JSON.
 */
import type { Server } from 'node:http';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { bind } from '@tracebridge/core';
import { createLogger } from '@tracebridge/core/winston';
import { tracing } from '@tracebridge/express';
import express5 from 'express';
import express4 from 'express4';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryTransport } from '../packages/core/test-support/winston.js';
import { LATE_CASES } from './support/cases.js';
import {
  abortedRequests,
  concurrentRequests,
  pipelinedRequests,
  randomTraceparent,
} from './support/load.js';
import { expectOneRequestLineEach, readLines, settleLines } from './support/log-lines.js';
import { createLateWork, expectedTraceId } from './support/scenario.js';
import { closeAll } from './support/servers.js';
import { get } from './support/services.js';

const REQUESTS = 500;
type ExpressFactory = typeof express5;

let server: Server | undefined;
let stopWork: (() => void) | undefined;
afterEach(async () => {
  stopWork?.();
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  vi.restoreAllMocks();
});

function closeServer(): Promise<void> {
  const closing = server;
  server = undefined;
  return closeAll(closing);
}

async function listen(app: http.RequestListener): Promise<number> {
  server = http.createServer(app);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** An app whose every request does the shared late work; lines into a slow transport. */
async function lateWorkApp(express: ExpressFactory) {
  const transport = new MemoryTransport({ delayMs: 1 });
  const logger = createLogger({ transports: [transport] });
  const work = createLateWork({
    log: (name, req) => logger.info(name, { case: name, expected: expectedTraceId(req) }),
    wrap: (fn) => bind(fn),
  });
  stopWork = () => work.stop();
  const app = express();
  app.use(
    tracing({ logger, requestLog: { lineFields: (req) => ({ expected: expectedTraceId(req) }) } }),
  );
  app.post('/:kind/:n', (req, res) => work.start(req, res));
  return { port: await listen(app), transport };
}

describe.each([
  ['Express 5', express5],
  ['Express 4', express4 as unknown as ExpressFactory],
])('%s', (name, express) => {
  it.each([
    ['keep-alive off', (port: number) => concurrentRequests(port, REQUESTS, false)],
    ['keep-alive on', (port: number) => concurrentRequests(port, REQUESTS, true)],
    ['pipelined, 10 per connection', (port: number) => pipelinedRequests(port, REQUESTS / 10, 10)],
  ])('%s: every user and request line carries its own id (500 requests)', async (mode, drive) => {
    const { port, transport } = await lateWorkApp(express);
    expect(await drive(port)).toBe(REQUESTS);
    await settleLines(transport, REQUESTS, closeServer);
    const { user, requests } = readLines(transport);
    console.log(`[${name}, ${mode}] user lines: ${user.describe()}`);
    for (const c of LATE_CASES) expect(user.get(c).right, `${c} never logged`).toBeGreaterThan(0);
    expect(user.total(), user.describe()).toMatchObject({ missing: 0, wrong: 0 });
    expectOneRequestLineEach(requests, REQUESTS);
    const routes = new Set([...requests.values()].map((l) => l[0]?.['http.route']));
    expect(routes).toEqual(new Set(['/:kind/:n']));
  });

  it('aborted requests: one line each, marked aborted, with their own ids', async () => {
    const { port, transport } = await lateWorkApp(express);
    await abortedRequests(port, 100);
    await settleLines(transport, 100, closeServer);
    const { user, requests } = readLines(transport);
    expectOneRequestLineEach(requests, 100);
    const aborted = [...requests.values()].filter((l) => l[0]?.aborted === true);
    expect(aborted.length).toBeGreaterThan(0);
    for (const [line] of aborted) expect(line?.level).toBe('warn');
    expect(user.total(), user.describe()).toMatchObject({ missing: 0, wrong: 0 });
  });

  it('a handler that throws, and next(err) from a foreign callback: logged with the ids, answered, one line', async () => {
    const transport = new MemoryTransport();
    const logger = createLogger({ transports: [transport] });
    const app = express();
    const trace = tracing({
      logger,
      requestLog: { lineFields: (req) => ({ expected: expectedTraceId(req) }) },
      errorLog: { lineFields: ({ req }) => ({ expected: expectedTraceId(req) }) },
    });
    app.use(trace);
    app.get('/throw', () => {
      throw new TypeError('sync boom');
    });
    const bus = new (await import('node:events')).EventEmitter();
    app.get('/next-err', (_req, _res, next) => {
      // Fired later by a process-wide emitter, unbound: the error surfaces in a foreign context.
      bus.once('tick', () => next(new RangeError('late boom')));
    });
    app.use(trace.errors);
    const port = await listen(app);
    const send = (path: string) =>
      new Promise<[number, string]>((resolve, reject) => {
        const { traceId, header } = randomTraceparent();
        http
          .get(
            { host: '127.0.0.1', port, path, agent: false, headers: { traceparent: header } },
            (res) => {
              res.resume().on('end', () => resolve([res.statusCode ?? 0, traceId]));
            },
          )
          .on('error', reject);
      });
    const tick = setInterval(() => bus.emit('tick'), 2);
    try {
      const results = await Promise.all([
        send('/throw'),
        send('/next-err'),
        send('/throw'),
        send('/next-err'),
      ]);
      expect(results.map(([status]) => status)).toEqual([500, 500, 500, 500]);
    } finally {
      clearInterval(tick);
    }
    await settleLines(transport, 4, closeServer);
    const { lines, requests } = readLines(transport);
    const errors = lines.filter(
      (l) => l['exception.type'] !== undefined && l['url.path'] === undefined,
    );
    expect(errors).toHaveLength(4);
    for (const line of errors) {
      expect(line.trace_id).toBe(line.expected);
      expect(line).toMatchObject({ level: 'error', 'http.response.status_code': 500 });
      expect(line['exception.stacktrace']).toEqual(expect.stringContaining('boom'));
      expect(['TypeError', 'RangeError']).toContain(line['exception.type']);
    }
    expectOneRequestLineEach(requests, 4);
    for (const [line] of requests.values()) {
      expect(line).toMatchObject({ level: 'error', 'http.response.status_code': 500 });
      expect(['TypeError', 'RangeError']).toContain(line?.['error.type']);
    }
  });

  it('bad input never breaks a response: malformed headers, odd methods and URLs, a throwing transport', async () => {
    const transport = new MemoryTransport();
    const broken = new MemoryTransport();
    broken.log = () => {
      throw new Error('transport down');
    };
    const logger = createLogger({ transports: [transport, broken] });
    logger.on('error', () => undefined);
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const app = express();
    app.use(tracing({ logger, traceResponse: true, requestId: true }));
    app.use((req, res) => {
      req.log.info('handled');
      res.json({ traceId: req.traceContext?.traceId, requestId: req.traceContext?.requestId });
    });
    const port = await listen(app);
    const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
    const cases: http.OutgoingHttpHeaders[] = [
      { traceparent: 'garbage' },
      { traceparent: `00-${TRACE}-00f067aa0ba902b7-01-${'x'.repeat(6000)}` },
      {
        traceparent: `00-${TRACE}-00f067aa0ba902b7-01`,
        tracestate: `${'k'.repeat(300)}=v,=,,bad key=1`,
      },
      { 'x-request-id': `a${'b'.repeat(300)}` },
      { 'x-request-id': 'semi;colon' },
    ];
    for (const headers of cases) {
      const reply = await get(port, '/x', headers);
      expect(reply.status).toBe(200);
      const { traceId, requestId } = JSON.parse(reply.body);
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(reply.headers['server-timing']).toMatch(
        /^trace;desc=00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-3]$/,
      );
      expect(reply.headers['x-request-id']).toBe(requestId);
      expect(requestId).toMatch(/^[A-Za-z0-9._~:@+/=-]{1,128}$/);
    }
    for (const raw of [
      `PURGE /${'%'.repeat(10)}?${'q'.repeat(4000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      'GET //../../etc/passwd?%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ]) {
      const text = await new Promise<string>((resolve, reject) => {
        const net = require('node:net') as typeof import('node:net');
        const socket = net.connect(port, '127.0.0.1', () => socket.end(raw));
        let out = '';
        socket.on('data', (c) => {
          out += c;
        });
        socket.on('close', () => resolve(out));
        socket.on('error', reject);
      });
      expect(text).toMatch(/^HTTP\/1\.1 200/);
    }
    await settleLines(transport, cases.length + 3, closeServer);
    expect(readLines(transport).requests.size).toBeGreaterThan(0);
  });
});
