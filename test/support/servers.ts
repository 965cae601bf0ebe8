import { AsyncLocalStorage } from 'node:async_hooks';
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bind, createRequestLifecycle, current } from '@tracebridge/core';
import { expectedTraceId, type Variant } from './scenario.js';

/** Request lines per expected trace id, and the trace id each line carried. */
export class RequestLines {
  readonly started = new Set<string>();
  readonly lines = new Map<string, string[]>();

  start(expected: string) {
    this.started.add(expected);
  }

  line(expected: string, got: string | undefined) {
    const list = this.lines.get(expected) ?? [];
    list.push(got ?? '(none)');
    this.lines.set(expected, list);
  }

  /** Started requests with no line, more than one, or a line with another id. */
  problems(): { missing: number; duplicated: number; wrong: number } {
    let missing = 0;
    let duplicated = 0;
    let wrong = 0;
    for (const id of this.started) {
      const list = this.lines.get(id) ?? [];
      if (list.length === 0) missing++;
      if (list.length > 1) duplicated++;
      wrong += list.filter((got) => got !== id).length;
    }
    return { missing, duplicated, wrong };
  }

  settled(): boolean {
    for (const id of this.started) if ((this.lines.get(id)?.length ?? 0) === 0) return false;
    return true;
  }
}

export function tracebridgeVariant(lines: RequestLines): Variant {
  const lifecycle = createRequestLifecycle({
    onDone: (done) => lines.line(expectedTraceId(done.req), current()?.traceId),
  });
  return {
    name: 'tracebridge',
    enter(req, res, next) {
      lines.start(expectedTraceId(req));
      lifecycle.handle(req, res, next);
    },
    traceId: () => current()?.traceId,
    wrap: (fn) => bind(fn),
  };
}

/** The hand-written middleware: als.run around the chain, a request line on finish/close. */
export function plainVariant(lines: RequestLines): Variant {
  const als = new AsyncLocalStorage<{ traceId: string }>();
  return {
    name: 'plain ALS',
    enter(req, res, next) {
      const expected = expectedTraceId(req);
      lines.start(expected);
      als.run({ traceId: expected }, () => {
        let logged = false;
        const line = () => {
          if (logged) return;
          logged = true;
          lines.line(expected, als.getStore()?.traceId);
        };
        res.on('finish', line);
        res.on('close', line);
        next();
      });
    },
    traceId: () => als.getStore()?.traceId,
    wrap: (fn) => fn,
  };
}

export async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let closed: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    /** Closes every connection and the server; once it resolves, every request has ended
     * and the callbacks queued by the connections' 'close' events have run. */
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }).then(() => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve))));
      return closed;
    },
  };
}

/** Waits (bounded) until every started request has its line. */
export async function settle(lines: RequestLines, maxMs = 5000): Promise<void> {
  const until = Date.now() + maxMs;
  while (!lines.settled() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
}

/** Closes `server` and its connections: once it resolves, every request has ended and every
 * late callback (a 'close' listener, a line written from one) has run. */
export async function closeAll(server: Server | undefined): Promise<void> {
  if (server === undefined) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
