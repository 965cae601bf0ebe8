import type { ServerResponse } from 'node:http';

type WriteHead = (this: ServerResponse, ...args: unknown[]) => ServerResponse;

/**
 * Calls `beforeHead(args)` once, right before the response head is written — with the
 * arguments of `writeHead`, which Node calls for an implicit head too. `res.writeHead` is
 * wrapped on this instance (as `on-headers`, used by morgan and response-time, does): Node
 * has no event for it. Nothing is done for a response whose head went out already.
 */
export function beforeHead(res: ServerResponse, fn: (args: unknown[]) => void): void {
  if (res.headersSent) return;
  const writeHead = res.writeHead as WriteHead;
  let called = false;
  res.writeHead = function tracebridgeWriteHead(this: ServerResponse, ...args: unknown[]) {
    if (!called) {
      called = true;
      fn(args);
    }
    return writeHead.apply(this, args);
  } as ServerResponse['writeHead'];
}
