import { AsyncLocalStorage } from 'node:async_hooks';
import { errorMonitor, once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { get, listen, type TestServer } from '../../test-support/http.js';
import { installOtel } from '../../test-support/otel.js';
import { random } from '../../test-support/random.js';
import { current, run } from '../current.js';
import { traceFromResponse, traceHeaders } from '../w3c/propagation.js';
import { parseTraceParent } from '../w3c/traceparent.js';
import {
  createRequestLifecycle,
  type RequestDone,
  type RequestLifecycleOptions,
  requestContext,
} from './index.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const PARENT = `00-${TRACE}-${SPAN}-01`;

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

async function serve(
  options: RequestLifecycleOptions,
  handler: (req: IncomingMessage, res: ServerResponse) => void = (req, res) =>
    res.end(JSON.stringify(requestContext(req))),
) {
  const lifecycle = createRequestLifecycle(options);
  server = await listen((req, res) => lifecycle.handle(req, res, () => handler(req, res)));
  return server;
}

function doneCollector() {
  const done: RequestDone[] = [];
  let wake: () => void = () => undefined;
  return {
    done,
    onDone: (d: RequestDone) => {
      done.push(d);
      wake();
    },
    async waitFor(count: number) {
      while (done.length < count) await new Promise<void>((resolve) => (wake = resolve));
    },
  };
}

describe('request context ids', () => {
  it('continues an incoming traceparent with a new span id of this hop', async () => {
    const s = await serve({});
    const ctx = JSON.parse((await get(s.url, { traceparent: PARENT, tracestate: 'a=1' })).body);
    expect(ctx).toMatchObject({
      traceId: TRACE,
      parentSpanId: SPAN,
      traceFlags: 1,
      traceState: 'a=1',
    });
    expect(ctx.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(ctx.spanId).not.toBe(SPAN);
  });

  it('keeps only the known flags of the caller', async () => {
    const s = await serve({});
    const ctx = JSON.parse((await get(s.url, { traceparent: `00-${TRACE}-${SPAN}-ff` })).body);
    expect(ctx.traceFlags).toBe(0x03);
  });

  it('starts a new sampled trace without a parent, and an unsampled one when told', async () => {
    let s = await serve({});
    const fresh = JSON.parse((await get(s.url)).body);
    expect(fresh.traceId).not.toBe(TRACE);
    expect(fresh.traceFlags).toBe(0x03);
    expect(fresh.parentSpanId).toBeUndefined();
    await s.close();
    s = await serve({ sampled: false });
    server = s;
    expect(JSON.parse((await get(s.url)).body).traceFlags).toBe(0x02);
  });

  it('trustIncoming: false (or a function saying no) ignores the caller', async () => {
    let s = await serve({ trustIncoming: false });
    expect(JSON.parse((await get(s.url, { traceparent: PARENT })).body).traceId).not.toBe(TRACE);
    await s.close();
    s = await serve({ trustIncoming: (req) => req.headers['x-internal'] === '1' });
    server = s;
    expect(JSON.parse((await get(s.url, { traceparent: PARENT })).body).traceId).not.toBe(TRACE);
    expect(
      JSON.parse((await get(s.url, { traceparent: PARENT, 'x-internal': '1' })).body).traceId,
    ).toBe(TRACE);
  });

  it.each([
    ['a malformed traceparent', { traceparent: 'nonsense' }],
    ['an oversized traceparent', { traceparent: `${PARENT}${'-x'.repeat(4000)}` }],
    ['an uppercase traceparent', { traceparent: PARENT.toUpperCase() }],
  ])('%s starts a new trace, no error', async (_name, headers) => {
    const s = await serve({});
    const reply = await get(s.url, headers);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body).traceId).not.toBe(TRACE);
  });

  it('an invalid tracestate is dropped whole, the traceparent kept', async () => {
    const s = await serve({});
    const ctx = JSON.parse(
      (await get(s.url, { traceparent: PARENT, tracestate: `a=1,${'k'.repeat(300)}=2` })).body,
    );
    expect(ctx.traceId).toBe(TRACE);
    expect(ctx.traceState).toBeUndefined();
  });

  it("keys of the current grammar and duplicated keys are inherited and passed on (the conformance harness's cases)", async () => {
    const s = await serve({}, (req, res) =>
      res.end(JSON.stringify(run(requestContext(req), traceHeaders))),
    );
    const longKey = `${'t'.repeat(242)}@v`;
    const cases: [string | string[], string][] = [
      ['foo@=1,foo@@bar=1,foo@bar@baz=1', 'foo@=1,foo@@bar=1,foo@bar@baz=1'],
      [`${longKey}=1,t@${'v'.repeat(15)}=2`, `${longKey}=1,t@${'v'.repeat(15)}=2`],
      ['foo=1,foo=1', 'foo=1'],
      ['foo=1,bar=2,foo=2', 'foo=1,bar=2'],
      [['foo=1', 'foo=2'], 'foo=1'],
    ];
    for (const [incoming, expected] of cases) {
      const out = JSON.parse(
        (await get(s.url, { traceparent: PARENT, tracestate: incoming })).body,
      );
      expect(out.tracestate, String(incoming)).toBe(expected);
      expect(out.traceparent).toMatch(new RegExp(`^00-${TRACE}-`));
    }
    for (const invalid of ['@foo=1', `${'k'.repeat(257)}=1`]) {
      const out = JSON.parse((await get(s.url, { traceparent: PARENT, tracestate: invalid })).body);
      expect(out.tracestate, invalid).toBeUndefined();
    }
  });

  it('an active OpenTelemetry span is the source of the ids', async () => {
    const otel = installOtel();
    try {
      const lifecycle = createRequestLifecycle({});
      let spanIds: [string, string] = ['', ''];
      server = await listen((req, res) =>
        otel.tracer.startActiveSpan('server', (span) => {
          spanIds = [span.spanContext().traceId, span.spanContext().spanId];
          lifecycle.handle(req, res, () => {
            res.end(JSON.stringify(current()));
            span.end();
          });
        }),
      );
      const ctx = JSON.parse((await get(server.url, { traceparent: PARENT })).body);
      expect([ctx.traceId, ctx.spanId]).toEqual(spanIds);
    } finally {
      await otel.uninstall();
    }
  });

  it('under a framework middleware span, the HTTP server span (RPC metadata) is the source', async () => {
    const otel = installOtel();
    const { RPCType, setRPCMetadata } = await import('@opentelemetry/core');
    const { context } = await import('@opentelemetry/api');
    try {
      const lifecycle = createRequestLifecycle({});
      let ids: string[] = [];
      server = await listen((req, res) =>
        otel.tracer.startActiveSpan('server', (serverSpan) => {
          const withRpc = setRPCMetadata(context.active(), {
            type: RPCType.HTTP,
            span: serverSpan,
          });
          context.with(withRpc, () =>
            otel.tracer.startActiveSpan('middleware - tracebridge', (middleware) => {
              const ctx = lifecycle.start(req, res);
              ids = [
                serverSpan.spanContext().spanId,
                ctx.spanId,
                current()?.spanId ?? '',
                middleware.spanContext().spanId,
              ];
              setTimeout(() => {
                res.end();
                middleware.end();
                serverSpan.end();
              });
            }),
          );
        }),
      );
      await get(server.url);
      const [serverId, ctxId, currentId, middlewareId] = ids;
      expect(ctxId).toBe(serverId);
      expect(currentId).toBe(middlewareId);
    } finally {
      await otel.uninstall();
    }
  });
});

describe('response headers', () => {
  it("traceResponse: true adds this hop's ids to Server-Timing as the `trace` metric", async () => {
    const s = await serve({ traceResponse: true });
    const reply = await get(s.url, { traceparent: PARENT });
    const ctx = JSON.parse(reply.body);
    expect(reply.headers['server-timing']).toBe(`trace;desc=00-${TRACE}-${ctx.spanId}-01`);
    expect(reply.headers.traceresponse).toBeUndefined();
    expect(traceFromResponse(reply.headers)).toEqual({
      version: 0,
      traceId: TRACE,
      spanId: ctx.spanId,
      traceFlags: 1,
    });
  });

  it("the metric goes after the app's own Server-Timing metrics, however the app set them", async () => {
    const ways: [string, (res: ServerResponse) => void][] = [
      ['setHeader before the head', (res) => res.setHeader('Server-Timing', 'db;dur=53').end()],
      [
        'several lines',
        (res) => res.setHeader('server-timing', ['db;dur=53', 'cache;desc="hit, warm"']).end(),
      ],
      [
        'headers given to writeHead',
        (res) => res.writeHead(200, { 'Server-Timing': 'db;dur=53' }).end(),
      ],
      ['a raw header list', (res) => res.writeHead(200, ['Server-Timing', 'db;dur=53']).end()],
      [
        'writeHead with a status message',
        (res) => res.writeHead(200, 'OK', { 'server-timing': 'db;dur=53' }).end(),
      ],
    ];
    const shared = { 'Server-Timing': 'db;dur=53' };
    for (const [name, answer] of ways) {
      const s = await serve({ traceResponse: 'server-timing' }, (_req, res) => answer(res));
      const reply = await get(s.url, { traceparent: PARENT });
      const value = String(reply.headers['server-timing']);
      expect(value, name).toMatch(/^db;dur=53, /);
      expect(value, name).toMatch(new RegExp(`trace;desc=00-${TRACE}-[0-9a-f]{16}-01$`));
      expect(traceFromResponse(reply.headers)?.traceId, name).toBe(TRACE);
      await s.close();
    }
    // The app's own headers object is copied, never changed (it may be shared by requests).
    const s = await serve({ traceResponse: true }, (_req, res) => res.writeHead(200, shared).end());
    await get(s.url);
    await get(s.url);
    expect(shared).toEqual({ 'Server-Timing': 'db;dur=53' });
  });

  it("traceResponse: 'traceresponse' sets the older header instead; flags other than sampled and random are zero", async () => {
    const s = await serve({ traceResponse: 'traceresponse' });
    const reply = await get(s.url, { traceparent: `00-${TRACE}-${SPAN}-ff` });
    const ctx = JSON.parse(reply.body);
    expect(reply.headers['server-timing']).toBeUndefined();
    expect(parseTraceParent(reply.headers.traceresponse)).toEqual({
      version: 0,
      traceId: TRACE,
      spanId: ctx.spanId,
      traceFlags: 3,
    });
  });

  it('no trace on the response by default', async () => {
    const s = await serve({});
    const reply = await get(s.url, { traceparent: PARENT });
    expect(reply.headers['server-timing']).toBeUndefined();
    expect(reply.headers.traceresponse).toBeUndefined();
  });

  it('request id: a safe incoming id is kept and echoed; an unsafe one is replaced', async () => {
    const s = await serve({ requestId: true });
    const safe = await get(s.url, { 'x-request-id': 'abc-123_XYZ' });
    expect(safe.headers['x-request-id']).toBe('abc-123_XYZ');
    expect(JSON.parse(safe.body).requestId).toBe('abc-123_XYZ');
    for (const unsafe of ['has space', 'a'.repeat(200), 'quote"d', 'semi;colon']) {
      const reply = await get(s.url, { 'x-request-id': unsafe });
      expect(reply.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect((await get(s.url)).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('request id: custom headers, no echo, a generator', async () => {
    const s = await serve({
      requestId: { header: 'X-Correlation-Id', responseHeader: false, generate: () => 'gen-1' },
    });
    const reply = await get(s.url, { 'x-correlation-id': 'in-1' });
    expect(reply.headers['x-correlation-id']).toBeUndefined();
    expect(JSON.parse(reply.body).requestId).toBe('in-1');
    expect(JSON.parse((await get(s.url)).body).requestId).toBe('gen-1');
  });

  it('a generator returning an unsafe id is reported once and replaced', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const s = await serve({ requestId: { generate: () => 'bad id\r\n' } });
    const one = await get(s.url);
    await get(s.url);
    expect(one.headers['x-request-id']).toMatch(/^[0-9a-f]{16}$/);
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe('onDone', () => {
  it('runs once per request, in the request context, with status and durations', async () => {
    const c = doneCollector();
    const seen: unknown[] = [];
    const s = await serve(
      {
        onDone: (d) => {
          seen.push(current());
          c.onDone(d);
        },
      },
      (_req, res) => {
        res.statusCode = 201;
        setTimeout(() => res.end('ok'), 5);
      },
    );
    await get(s.url, { traceparent: PARENT });
    await c.waitFor(1);
    const [d] = c.done;
    expect(d).toMatchObject({ statusCode: 201, aborted: false, error: undefined });
    expect(d?.context.traceId).toBe(TRACE);
    expect(seen[0]).toBe(d?.context);
    expect(d?.durationMs).toBeGreaterThan(0);
    expect(d?.timeToFirstByteMs).toBeGreaterThan(0);
    expect(d?.timeToFirstByteMs).toBeLessThanOrEqual(d?.durationMs ?? 0);
  });

  it('an error the response emits in flight ends the request once, failed, not thrown', async () => {
    const c = doneCollector();
    const boom = new Error('boom');
    const s = await serve({ onDone: c.onDone }, (_req, res) => {
      res.writeHead(200);
      res.write('partial');
      setImmediate(() => {
        res.emit('error', boom); // no listener of the user's: tracebridge's takes it
        res.end('rest');
      });
    });
    await get(s.url);
    await c.waitFor(1);
    await s.close();
    expect(c.done).toHaveLength(1);
    expect(c.done[0]).toMatchObject({ error: boom, aborted: true, statusCode: 200 });
  });

  /** A response that emits `boom` in flight, once `watch` has put its listeners on; what
   * happened, in order (`done:` is the request's report), and how often it was reported. */
  async function errorInFlight(
    watch: (res: ServerResponse, order: string[], boom: Error) => void,
    emit: (res: ServerResponse, order: string[], boom: Error) => void,
  ) {
    const c = doneCollector();
    const boom = new Error('boom');
    const order: string[] = [];
    const onDone = (d: RequestDone) => {
      order.push(`done:${d.error === boom}`);
      c.onDone(d);
    };
    const s = await serve({ onDone }, (_req, res) => {
      res.writeHead(200);
      res.write('partial');
      watch(res, order, boom);
      setImmediate(() => {
        emit(res, order, boom);
        res.end('rest');
      });
    });
    await get(s.url, { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` });
    await c.waitFor(1);
    await s.close();
    return { order, reports: c.done.length };
  }

  it("an error in flight still reaches the response's errorMonitor listeners and the user's own, after the request is reported", async () => {
    const { order, reports } = await errorInFlight(
      (res, order, boom) => res.on(errorMonitor, (e) => order.push(`monitor:${e === boom}`)),
      (res, order, boom) => {
        res.emit('error', boom); // no 'error' listener: the monitor still hears of it
        res.once('error', (e) => order.push(`listener:${e === boom}`));
        res.emit('error', boom); // done already: the user's listener takes it
      },
    );
    expect(order).toEqual(['done:true', 'monitor:true', 'monitor:true', 'listener:true']);
    expect(reports).toBe(1);
  });

  it("an error in flight with a listener of the user's: the request is reported failed, then the listener runs in the request's context", async () => {
    const { order, reports } = await errorInFlight(
      (res, order, boom) =>
        res.on('error', (e) =>
          order.push(`listener:${e === boom}:${current()?.traceId === TRACE}`),
        ),
      // Emitted from outside any context, as a shared emitter or a pool would.
      (res, _order, boom) => run(undefined, () => res.emit('error', boom)),
    );
    expect(order).toEqual(['done:true', 'listener:true:true']);
    expect(reports).toBe(1);
  });

  it('once the request is done, an error the response emits is thrown as if tracebridge had no listener', async () => {
    const c = doneCollector();
    const outcomes: unknown[] = [];
    const s = await serve({ onDone: c.onDone }, (_req, res) => {
      res.end('ok');
      res.once('finish', () =>
        setImmediate(() => {
          const late = new Error('late');
          const attempt = (value: unknown) => {
            try {
              res.emit('error', value);
              return 'not thrown';
            } catch (error) {
              return error;
            }
          };
          outcomes.push(attempt(late) === late);
          const wrapped = attempt('text') as { code?: unknown; context?: unknown };
          outcomes.push(wrapped.code, wrapped.context);
          // A listener of the user's: Node's emit throws nothing, and neither does ours.
          const heard: unknown[] = [];
          res.on('error', (error) => heard.push(error));
          outcomes.push(attempt(late), heard[0] === late);
          c.onDone(c.done[0] as RequestDone); // wake the test
        }),
      );
    });
    await get(s.url);
    await c.waitFor(2);
    expect(outcomes).toEqual([true, 'ERR_UNHANDLED_ERROR', 'text', 'not thrown', true]);
    expect(c.done[0]).toMatchObject({ error: undefined, aborted: false });
    expect(c.done[1]).toBe(c.done[0]); // the wake-up above; no second report from the lifecycle
  });

  it('an aborted request (client destroys the socket) is reported once, aborted', async () => {
    const c = doneCollector();
    const s = await serve({ onDone: c.onDone }, (_req, res) => {
      res.write('partial');
    });
    await new Promise<void>((resolve) => {
      const req = http.get(s.url, { agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
    });
    await c.waitFor(1);
    await s.close();
    expect(c.done).toHaveLength(1);
    expect(c.done[0]).toMatchObject({ aborted: true, statusCode: 200 });
  });

  it('a second lifecycle on the same request joins it: same context, both called once, its headers applied', async () => {
    const first = doneCollector();
    const second = doneCollector();
    const a = createRequestLifecycle({ onDone: first.onDone });
    const b = createRequestLifecycle({
      onDone: second.onDone,
      trustIncoming: false,
      traceResponse: true,
    });
    server = await listen((req, res) =>
      a.handle(req, res, () => b.handle(req, res, () => res.end(JSON.stringify(current())))),
    );
    const reply = await get(server.url, { traceparent: PARENT });
    const ctx = JSON.parse(reply.body);
    // The first lifecycle chose the context; the second one's response header still applies.
    expect(traceFromResponse(reply.headers)?.spanId).toBe(ctx.spanId);
    await first.waitFor(1);
    await second.waitFor(1);
    expect(ctx.traceId).toBe(TRACE);
    expect(first.done[0]?.context).toBe(second.done[0]?.context);
    expect(first.done).toHaveLength(1);
    expect(second.done).toHaveLength(1);
  });

  it('a throwing onDone never breaks the response; it is reported once', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const s = await serve({
      onDone: () => {
        throw new Error('logger down');
      },
    });
    for (let i = 0; i < 3; i++) expect((await get(s.url)).status).toBe(200);
    await s.close();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/logger down/);
  });

  it('keep-alive: one socket listener however many requests, each done once', async () => {
    const c = doneCollector();
    const s = await serve({ onDone: c.onDone });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const warnings: unknown[] = [];
    const onWarning = (w: unknown) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      for (let i = 0; i < 30; i++) await get(s.url, {}, agent);
      await c.waitFor(30);
      expect(new Set(c.done.map((d) => d.req.socket)).size).toBe(1);
      expect(c.done[0]?.req.socket.listenerCount('close')).toBeLessThanOrEqual(3);
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      agent.destroy();
    }
  });
});

describe('what the lifecycle puts on req and res', () => {
  it('exactly what docs/design.md lists: emit and the request state on req; emit and writeHead on res', async () => {
    const lifecycle = createRequestLifecycle({ onDone: () => undefined });
    let added: string[] = [];
    server = await listen((req, res) => {
      const before = [
        ...Reflect.ownKeys(req),
        ...Reflect.ownKeys(res).map((k) => `res.${String(k)}`),
      ];
      lifecycle.start(req, res);
      const after = [
        ...Reflect.ownKeys(req),
        ...Reflect.ownKeys(res).map((k) => `res.${String(k)}`),
      ];
      added = after.filter((k) => !before.includes(k)).map(String);
      res.end();
    });
    await get(server.url);
    expect(added.sort()).toEqual([
      'Symbol(@tracebridge/core.requestState)',
      'emit',
      'res.emit',
      'res.writeHead',
    ]);
  });

  it('a req.emit and res.emit another library wraps after start still find the request', async () => {
    const c = doneCollector();
    const lifecycle = createRequestLifecycle({ onDone: c.onDone });
    const seen: unknown[] = [];
    server = await listen((req, res) => {
      const ctx = lifecycle.start(req, res);
      for (const emitter of [req, res]) {
        const emit = emitter.emit;
        emitter.emit = function wrapped(this: unknown, ...args: unknown[]) {
          return (emit as (...a: unknown[]) => boolean).apply(this, args);
        } as typeof emitter.emit;
      }
      seen.push(requestContext(req) === ctx);
      res.on('finish', () => seen.push(current() === ctx));
      setTimeout(() => res.end('ok'), 5);
    });
    await get(server.url);
    await c.waitFor(1);
    expect(seen).toEqual([true, true]);
    expect(c.done).toHaveLength(1);
  });

  it("onDone runs after every 'finish' listener, added before start or after it, in the request's context", async () => {
    const order: string[] = [];
    const contexts: boolean[] = [];
    let ctx: unknown;
    const lifecycle = createRequestLifecycle({
      onDone: () => {
        order.push('done');
        contexts.push(current() === ctx);
      },
    });
    server = await listen((req, res) => {
      res.on('finish', () => order.push('listener added before start'));
      ctx = lifecycle.start(req, res);
      res.on('finish', () => {
        order.push('listener added after start');
        contexts.push(current() === ctx);
      });
      res.end('ok');
    });
    await get(server.url);
    await server.close();
    expect(order).toEqual(['listener added before start', 'listener added after start', 'done']);
    expect(contexts).toEqual([true, true]);
  });

  it('time to first byte of pipelined responses: each one when its own bytes go out', async () => {
    const c = doneCollector();
    const lifecycle = createRequestLifecycle({ onDone: c.onDone });
    let n = 0;
    server = await listen((req, res) => {
      lifecycle.start(req, res);
      // The first response is slow; the second is written at once but queued behind it.
      const delay = n++ === 0 ? 30 : 0;
      setTimeout(() => res.end('ok'), delay);
    });
    const { port } = new URL(server.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.on('data', () => undefined);
    socket.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.waitFor(2);
    socket.destroy();
    const [first, second] = [...c.done].sort((a, b) => Number(a.startTime - b.startTime));
    for (const d of [first, second]) {
      expect(d?.timeToFirstByteMs).toBeGreaterThan(0);
      expect(d?.timeToFirstByteMs).toBeLessThanOrEqual(d?.durationMs ?? 0);
    }
    // The queued response's first byte left only after the first response was done.
    const firstEnd = (first?.startTime ?? 0n) + BigInt(Math.round((first?.durationMs ?? 0) * 1e6));
    const secondFirstByte =
      (second?.startTime ?? 0n) + BigInt(Math.round((second?.timeToFirstByteMs ?? 0) * 1e6));
    expect(secondFirstByte + 1_000_000n).toBeGreaterThanOrEqual(firstEnd);
  });
});

describe('HTTP/2 compatibility API', () => {
  it("works although its socket refuses to be touched: each stream's context, onDone once, a TTFB", async () => {
    const c = doneCollector();
    const lifecycle = createRequestLifecycle({ onDone: c.onDone });
    const late: boolean[] = [];
    const h2 = http2.createServer((req, res) => {
      const ctx = lifecycle.start(
        req as unknown as IncomingMessage,
        res as unknown as ServerResponse,
      );
      res.on('finish', () => late.push(current() === ctx));
      setTimeout(() => res.end(ctx.traceId), random() * 10);
    });
    await new Promise<void>((resolve) => h2.listen(0, '127.0.0.1', resolve));
    const client = http2.connect(`http://127.0.0.1:${(h2.address() as net.AddressInfo).port}`);
    try {
      const bodies = await Promise.all(
        Array.from(
          { length: 30 },
          () =>
            new Promise<string>((resolve, reject) => {
              const stream = client.request({ ':path': '/' });
              let body = '';
              stream.setEncoding('utf8');
              stream.on('data', (chunk: string) => {
                body += chunk;
              });
              stream.on('end', () => resolve(body));
              stream.on('error', reject);
              stream.end();
            }),
        ),
      );
      await c.waitFor(30);
      expect(new Set(bodies).size).toBe(30);
      expect(c.done.map((d) => d.context.traceId).sort()).toEqual([...bodies].sort());
      expect(c.done.every((d) => (d.timeToFirstByteMs ?? -1) >= 0 && !d.aborted)).toBe(true);
      expect(late).toEqual(Array(30).fill(true));
    } finally {
      client.close();
      await new Promise((resolve) => h2.close(resolve));
    }
  });
});

describe('enter(req, res, fn, ...args) and handle(req, res, fn)', () => {
  const other = new AsyncLocalStorage<string>();

  it("calls fn(context, ...args) in the request's context, which late listeners see with every other store", async () => {
    const lifecycle = createRequestLifecycle({});
    const seen: unknown[] = [];
    server = await listen((req, res) =>
      other.run('outer', () => {
        const returned = lifecycle.enter(
          req,
          res,
          (context, a: string, b: number) => {
            seen.push(
              context === requestContext(req),
              current() === context,
              a,
              b,
              other.getStore(),
            );
            setTimeout(() => res.end(context.traceId), 5);
            return 'returned';
          },
          'a',
          2,
        );
        seen.push(returned, current());
        res.on('finish', () => seen.push(current() === requestContext(req), other.getStore()));
      }),
    );
    const reply = await get(server.url, { traceparent: PARENT });
    expect(reply.body).toBe(TRACE);
    await new Promise((resolve) => setImmediate(resolve));
    // Inside fn; after it, the caller's context is back (none); the late 'finish' listener.
    expect(seen).toEqual([true, true, 'a', 2, 'outer', 'returned', undefined, true, 'outer']);
  });

  it('joined by a second lifecycle, fn runs in the stores entered between the two (not in the first scope)', async () => {
    const first = createRequestLifecycle({});
    const second = createRequestLifecycle({});
    const seen: unknown[] = [];
    server = await listen((req, res) =>
      first.enter(req, res, (context) =>
        // A later middleware, after an await: it runs in a resource of its own.
        setImmediate(() =>
          other.run('between', () =>
            second.enter(req, res, (joined) => {
              seen.push(joined === context, current() === context, other.getStore());
              res.end();
            }),
          ),
        ),
      ),
    );
    await get(server.url);
    expect(seen).toEqual([true, true, 'between']);
  });

  it('handle calls fn with no arguments (an Express next reads one as an error)', async () => {
    const lifecycle = createRequestLifecycle({});
    const args: unknown[][] = [];
    server = await listen((req, res) =>
      lifecycle.handle(req, res, (...given: unknown[]) => {
        args.push(given);
        res.end();
      }),
    );
    await get(server.url);
    expect(args).toEqual([[]]);
  });

  it('refuses a fn that is not a function before it starts anything', async () => {
    const lifecycle = createRequestLifecycle({});
    const errors: unknown[] = [];
    server = await listen((req, res) => {
      for (const call of [
        // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
        () => lifecycle.enter(req, res, 'nope' as any),
        // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
        () => lifecycle.handle(req, res, undefined as any),
      ]) {
        try {
          call();
        } catch (error) {
          errors.push(error);
        }
      }
      res.end(String(requestContext(req)));
    });
    expect((await get(server.url)).body).toBe('undefined');
    expect(errors).toHaveLength(2);
    for (const error of errors) {
      expect(error).toBeInstanceOf(TypeError);
      expect(String(error)).toMatch(/request lifecycle runs a function, got (string|undefined)/);
    }
  });
});

describe('options are checked once, at creation', () => {
  it.each([
    [{ nope: true }, /unknown request lifecycle option "nope"/],
    [{ trustIncoming: 'yes' }, /trustIncoming/],
    [{ traceResponse: 1 }, /traceResponse/],
    [{ requestId: { header: 'bad header' } }, /requestId.header/],
    [{ requestId: { responseHeader: 'a b' } }, /requestId.responseHeader/],
    [{ requestId: { generate: 'x' } }, /requestId.generate/],
    [
      { traceResponse: 'traceresponse', requestId: { responseHeader: 'traceresponse' } },
      /conflicts/,
    ],
    [{ traceResponse: true, requestId: { responseHeader: 'Server-Timing' } }, /conflicts/],
    [
      { traceResponse: 'yes' },
      /traceResponse must be true, false, 'server-timing' or 'traceresponse'/,
    ],
    [{ onDone: 1 }, /onDone/],
    [{ contextFields: {} }, /contextFields/],
    ['string', /must be an object/],
  ])('refuses %j with a TypeError', (options, message) => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => createRequestLifecycle(options as any)).toThrow(message);
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => createRequestLifecycle(options as any)).toThrow(TypeError);
  });

  it("does not change the caller's options object", () => {
    const options = Object.freeze({ requestId: Object.freeze({ header: 'X-Id' }) });
    expect(() => createRequestLifecycle(options)).not.toThrow();
  });

  it('refuses something that is not a (req, res) pair', () => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately bad input
    expect(() => createRequestLifecycle().start({} as any, {} as any)).toThrow(/\(req, res\) pair/);
  });

  it('fields(req) go onto the context; a throwing one is a safe default', async () => {
    const s = await serve({ contextFields: (req) => ({ path: req.url }) });
    expect(JSON.parse((await get(`${s.url}/x`)).body).fields).toEqual({ path: '/x' });
    await s.close();
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    server = await serve({
      contextFields: () => {
        throw new Error('boom');
      },
    });
    expect((await get(server.url)).status).toBe(200);
  });
});

// once is imported for type-safe event waits in other suites sharing this helper.
void once;
