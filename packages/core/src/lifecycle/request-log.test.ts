import http from 'node:http';
import net from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import winston from 'winston';
import { listen, type TestServer } from '../../test-support/http.js';
import { random } from '../../test-support/random.js';
import { MemoryTransport, received } from '../../test-support/winston.js';
import { newTraceContext } from '../context.js';
import { run } from '../current.js';
import { captureOnWrite } from '../winston/capture.js';
import { createLogger } from '../winston/create-logger.js';
import { traceFormat } from '../winston/format.js';
import { createRequestLifecycle } from './index.js';
import { createRequestLog, type RequestLogOptions } from './request-log.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = `00-${TRACE}-00f067aa0ba902b7-01`;

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

async function serve(
  options: Partial<RequestLogOptions>,
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_q, res) =>
    res.end('ok'),
) {
  const transport = new MemoryTransport();
  const logger = createLogger({ transports: [transport] });
  const lifecycle = createRequestLifecycle({
    requestId: true,
    onDone: createRequestLog({ logger, ...options }),
  });
  const s = await listen((req, res) => lifecycle.handle(req, res, () => handler(req, res)));
  server = s;
  return { transport, url: s.url, port: s.port, close: () => s.close() };
}

function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(request));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

function get(url: string, headers: http.OutgoingHttpHeaders = {}) {
  return new Promise<number>((resolve, reject) => {
    http
      .get(url, { headers, agent: false }, (res) =>
        res.resume().on('end', () => resolve(res.statusCode ?? 0)),
      )
      .on('error', reject);
  });
}

describe('the request line', () => {
  it('is written when the route, fields or client-address hook throws, without what it would have added', async () => {
    const boom = () => {
      throw new Error('hook failed');
    };
    const s = await serve({ route: boom, lineFields: boom, clientAddress: boom });
    await get(`${s.url}/x`, { traceparent: PARENT });
    await received(s.transport, 1);
    const line = s.transport.lines()[0] as Record<string, unknown>;
    expect(line).toMatchObject({
      'url.path': '/x',
      'http.response.status_code': 200,
      'client.address': '127.0.0.1',
      trace_id: TRACE,
    });
    expect(line['http.route']).toBeUndefined();
    // The message's duration is the line's duration_ms.
    expect(line.message).toBe(`GET /x 200 ${line.duration_ms}ms`);
  });

  it('has the semantic-convention fields, the request ids, and the default message', async () => {
    const s = await serve({ route: () => '/items/:id' });
    await get(`${s.url}/items/7?color=red`, {
      traceparent: PARENT,
      'user-agent': 'ua/1',
      'x-request-id': 'rid-1',
    });
    await received(s.transport, 1);
    const line = s.transport.lines()[0];
    expect(line).toMatchObject({
      level: 'info',
      message: expect.stringMatching(/^GET \/items\/7 200 [\d.]+ms$/),
      'http.request.method': 'GET',
      'url.path': '/items/7',
      'url.query': 'color=red',
      'http.route': '/items/:id',
      'http.response.status_code': 200,
      'user_agent.original': 'ua/1',
      'client.address': '127.0.0.1',
      'network.protocol.version': '1.1',
      aborted: false,
      trace_id: TRACE,
      request_id: 'rid-1',
    });
    expect(line?.duration_ms).toBeGreaterThan(0);
    expect(line?.time_to_first_byte_ms).toBeGreaterThan(0);
  });

  it("written as one record, log(info): the user's fields and defaultMeta never replace the standard fields or the message", async () => {
    const lines: Record<string, unknown>[] = [];
    for (const [defaultMeta, fields] of [
      [undefined, undefined],
      [{ service: 'api' }, undefined],
      [undefined, () => ({ message: 'not this', tenant: 't1', 'url.path': 'nor this' })],
    ] as const) {
      const transport = new MemoryTransport();
      const logger = createLogger({ transports: [transport], ...(defaultMeta && { defaultMeta }) });
      const lifecycle = createRequestLifecycle({
        onDone: createRequestLog({ logger, ...(fields && { lineFields: fields }) }),
      });
      server = await listen((req, res) => lifecycle.handle(req, res, () => res.end('ok')));
      // A path with a printf-style token: Winston's log(level, message, meta) would take the
      // fields for splat arguments there.
      await get(`${server.url}/a%do`);
      await received(transport, 1);
      await server.close();
      server = undefined;
      lines.push(transport.lines()[0] ?? {});
    }
    const [plain, withDefaults, withFields] = lines;
    const keys = Object.keys(plain ?? {});
    expect(keys.indexOf('level')).toBe(keys.indexOf('aborted') + 1);
    expect(plain).toMatchObject({
      level: 'info',
      'url.path': '/a%do',
      trace_id: expect.any(String),
    });
    expect(plain?.message).toMatch(/^GET \/a%do 200 [\d.]+ms$/);
    expect(withDefaults).toMatchObject({ service: 'api', 'url.path': '/a%do', level: 'info' });
    expect(withFields).toMatchObject({
      tenant: 't1',
      'url.path': '/a%do',
      message: expect.stringMatching(/^GET \/a%do 200 [\d.]+ms$/),
    });
  });

  it('level by status: 5xx error, 4xx warn, else info; a fixed level; silent; a function', async () => {
    const s = await serve({}, (req, res) => {
      res.statusCode = Number(req.url?.slice(1));
      res.end();
    });
    for (const status of [200, 302, 404, 503]) await get(`${s.url}/${status}`);
    await received(s.transport, 4);
    expect(s.transport.lines().map((l) => [l['http.response.status_code'], l.level])).toEqual([
      [200, 'info'],
      [302, 'info'],
      [404, 'warn'],
      [503, 'error'],
    ]);
    await server?.close();
    const fixed = await serve({ level: 'debug' });
    const silent = await serve({ level: 'silent' });
    const fn = await serve({ level: (d) => (d.statusCode === 200 ? 'verbose' : 'error') });
    for (const t of [fixed, silent, fn]) await get(t.url);
    // Every request has ended (and written what it writes) once its server is closed.
    for (const t of [fixed, silent, fn]) await t.close();
    expect(fixed.transport.records).toHaveLength(0); // the logger's level is info: debug is filtered by winston
    expect(silent.transport.records).toHaveLength(0);
  });

  it('skip, a message template, a message function, extra fields that never replace the standard ones', async () => {
    const s = await serve({
      skip: (req) => req.url === '/health',
      message: '{method} {route} -> {status}',
      route: () => '/r',
      lineFields: () => ({ team: 'a', 'url.path': 'overridden?' }),
    });
    await get(`${s.url}/health`);
    await get(`${s.url}/x`);
    await s.close();
    expect(s.transport.lines()).toHaveLength(1);
    expect(s.transport.lines()[0]).toMatchObject({
      message: 'GET /r -> 200',
      team: 'a',
      'url.path': '/x',
    });
  });

  it('headers: only those listed; authorization and cookies redacted even then; query secrets redacted', async () => {
    const s = await serve(
      {
        requestHeaders: ['x-forwarded-for', 'authorization', 'cookie'],
        responseHeaders: ['content-type', 'set-cookie'],
      },
      (_q, res) => {
        res.setHeader('content-type', 'text/plain');
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.end('ok');
      },
    );
    await get(`${s.url}/?token=abc&page=2&Password=x`, {
      authorization: 'Bearer secret',
      cookie: 'sid=1',
      'x-forwarded-for': '10.0.0.1',
    });
    await received(s.transport, 1);
    const line = s.transport.lines()[0];
    expect(line).toMatchObject({
      'http.request.header.x-forwarded-for': ['10.0.0.1'],
      'http.request.header.authorization': ['[REDACTED]'],
      'http.request.header.cookie': ['[REDACTED]'],
      'http.response.header.content-type': ['text/plain'],
      'http.response.header.set-cookie': ['[REDACTED]', '[REDACTED]'],
      'url.query': 'token=REDACTED&page=2&Password=REDACTED',
    });
    expect(JSON.stringify(line)).not.toMatch(/secret|sid=1/);
  });

  it('no header is logged by default, and query logging can be turned off', async () => {
    const s = await serve({ query: false });
    await get(`${s.url}/p?x=1`, { authorization: 'Bearer secret', cookie: 'sid=1' });
    await received(s.transport, 1);
    expect(JSON.stringify(s.transport.lines()[0])).not.toMatch(/secret|sid=1|x=1|header/);
  });

  it('odd methods and huge URLs are normalised and clipped', async () => {
    const s = await serve({});
    await raw(
      s.port,
      `PURGE /${'a'.repeat(5000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    await received(s.transport, 1);
    const line = s.transport.lines()[0];
    expect(line).toMatchObject({
      'http.request.method': '_OTHER',
      'http.request.method_original': 'PURGE',
    });
    expect(String(line?.['url.path']).length).toBeLessThanOrEqual(2049);
  });

  it('a pino logger gets the ids in its line, as a child bound to the request would write them', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(JSON.parse(String(chunk)));
        callback();
      },
    });
    const lifecycle = createRequestLifecycle({
      onDone: createRequestLog({ logger: pino(destination) }),
    });
    server = await listen((req, res) => lifecycle.handle(req, res, () => res.end()));
    await get(server.url, { traceparent: PARENT });
    await server.close();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: expect.stringMatching(/^GET \/ 200/),
      trace_id: TRACE,
      trace_flags: '01',
      'http.response.status_code': 200,
    });
  });

  it('a logger that throws never breaks the response; the service keeps serving', async () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const broken = {
      log: () => {
        throw new Error('transport down');
      },
      write: () => undefined,
    };
    const lifecycle = createRequestLifecycle({ onDone: createRequestLog({ logger: broken }) });
    server = await listen((req, res) => lifecycle.handle(req, res, () => res.end('ok')));
    for (let i = 0; i < 5; i++) expect(await get(server.url)).toBe(200);
  });

  it('a winston logger whose transport throws: responses unaffected', async () => {
    const bad = new MemoryTransport();
    bad.log = () => {
      throw new Error('transport down');
    };
    const logger = winston.createLogger({ transports: [bad] });
    logger.on('error', () => undefined);
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const lifecycle = createRequestLifecycle({ onDone: createRequestLog({ logger }) });
    server = await listen((req, res) => lifecycle.handle(req, res, () => res.end('ok')));
    for (let i = 0; i < 5; i++) expect(await get(server.url)).toBe(200);
  });
});

describe("the request line carries its request's ids, whatever runs when it is written", () => {
  const REQUESTS = 200;

  /** Loggers the request line can be given: ours (handed its context through the write), a
   * captureOnWrite logger over a write of the user's that copies the record, and a plain
   * Winston logger with traceFormat (both stamped instead). */
  const loggers: [string, (transport: MemoryTransport) => winston.Logger][] = [
    ['createLogger', (transport) => createLogger({ transports: [transport] })],
    [
      'captureOnWrite over a copying write',
      (transport) => {
        const logger = winston.createLogger({
          format: winston.format.combine(traceFormat(), winston.format.json()),
          transports: [transport],
        });
        const write = logger.write.bind(logger);
        Object.defineProperty(logger, 'write', {
          configurable: true,
          writable: true,
          value: (info: object) => write({ ...info }),
        });
        return captureOnWrite(logger);
      },
    ],
    [
      'Winston with traceFormat',
      (transport) =>
        winston.createLogger({
          format: winston.format.combine(traceFormat(), winston.format.json()),
          transports: [transport],
        }),
    ],
  ];

  it.each(loggers)(
    '%s, slow transport, written inside another context: 0 missing, 0 wrong',
    async (_name, make) => {
      const transport = new MemoryTransport({ delayMs: 1 });
      const requestLine = createRequestLog({ logger: make(transport) });
      // onDone writes the line from inside another context: the line must not take its ids.
      const lifecycle = createRequestLifecycle({
        onDone: (done) => run(newTraceContext(), () => requestLine(done)),
      });
      server = await listen((req, res) =>
        lifecycle.handle(req, res, () => setTimeout(() => res.end('ok'), random() * 5)),
      );
      // Each request's path is its trace id: a line is right when the two match.
      const sent = Array.from({ length: REQUESTS }, () => newTraceContext().traceId);
      await Promise.all(
        sent.map((trace) =>
          get(`${server?.url}/${trace}`, { traceparent: `00-${trace}-00f067aa0ba902b7-01` }),
        ),
      );
      await received(transport, REQUESTS);
      const counts = { right: 0, missing: 0, wrong: 0 };
      for (const line of transport.lines()) {
        if (line.trace_id === undefined) counts.missing++;
        else if (line['url.path'] === `/${line.trace_id}`) counts.right++;
        else counts.wrong++;
      }
      expect(counts).toEqual({ right: REQUESTS, missing: 0, wrong: 0 });
    },
  );
});

describe('request log options are checked once', () => {
  const logger = { log: () => undefined, write: () => undefined };
  it.each([
    [{}, /a logger is needed/],
    [{ logger: {} }, /logger must be a Winston logger \(log, write, levels\) or a pino logger/],
    [{ logger, nope: 1 }, /unknown request log option "nope"/],
    [{ logger, message: '{nope}' }, /unknown placeholder \{nope\}/],
    [{ logger, level: 3 }, /level must be/],
    [{ logger, skip: 'x' }, /skip must be a function/],
    [{ logger, requestHeaders: 'authorization' }, /requestHeaders must be an array/],
    [{ logger, query: 'yes' }, /query must be a boolean/],
  ])('refuses %j with a TypeError', (options, message) => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => createRequestLog(options as any)).toThrow(message);
  });
});
