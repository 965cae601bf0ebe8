/**
 * REPRODUCTIONS.md's `enterWith` row, on a real node:http server with keep-alive: a
 * middleware that sets the request's store with `als.enterWith()` can leave it set on the
 * connection, so the next request on that socket starts inside the previous request's
 * store — its first lines, before any middleware ran, name another request. tracebridge
 * uses only `run()`, whose scope ends with the call: every request starts with no context,
 * on every AsyncLocalStorage implementation.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequestLifecycle, current } from '@tracebridge/core';
import { describe, expect, it } from 'vitest';
import { concurrentRequests } from './support/load.js';
import { expectedTraceId } from './support/scenario.js';
import { startServer } from './support/servers.js';

const REQUESTS = 400;

/** What each request saw at its very start, before its own context was set. */
async function atRequestStart(
  seen: () => string | undefined,
  enter: (req: IncomingMessage, res: ServerResponse, next: () => void) => void,
) {
  const counts = { none: 0, another: 0, own: 0 };
  const server = await startServer((req, res) => {
    const before = seen();
    if (before === undefined) counts.none++;
    else if (before === expectedTraceId(req)) counts.own++;
    else counts.another++;
    enter(req, res, () => {
      req.resume();
      req.on('end', () => setTimeout(() => res.end('ok'), 1));
    });
  });
  try {
    expect(await concurrentRequests(server.port, REQUESTS, true)).toBe(REQUESTS);
  } finally {
    await server.close();
  }
  return counts;
}

describe('enterWith in a middleware, keep-alive connections', () => {
  it("a request starts inside the previous request's store; with tracebridge, in none", async () => {
    const als = new AsyncLocalStorage<{ traceId: string }>();
    const leaky = await atRequestStart(
      () => als.getStore()?.traceId,
      (req, _res, next) => {
        als.enterWith({ traceId: expectedTraceId(req) });
        next();
      },
    );
    const lifecycle = createRequestLifecycle();
    const clean = await atRequestStart(
      () => current()?.traceId,
      (req, res, next) => lifecycle.handle(req, res, next),
    );
    console.log(
      `${REQUESTS} keep-alive requests, context at request start: enterWith ${JSON.stringify(leaky)}, tracebridge ${JSON.stringify(clean)}`,
    );
    // Where enterWith leaks depends on the AsyncLocalStorage implementation: on async_hooks
    // (Node 20 and 22; 24 and later with --no-async-context-frame) every request but each
    // connection's first starts in the previous one's store; with AsyncContextFrame (24 and
    // 26 by default) none does at that point. run() never leaks: the part that must hold.
    expect(leaky.none + leaky.another).toBe(REQUESTS);
    expect(clean).toEqual({ none: REQUESTS, another: 0, own: 0 });
  });
});
