import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TraceContext } from '@tracebridge/core';

/** The part of Koa's context the middleware uses (Koa 2 and 3 alike). */
export interface KoaContextLike {
  req: IncomingMessage;
  res: ServerResponse;
  // biome-ignore lint/suspicious/noExplicitAny: Koa's own state type is the user's.
  state: any;
  /** Set by traceContext({ logger }): a logger bound to this request. */
  log?: unknown;
  /** @koa/router's matched route pattern. */
  _matchedRoute?: unknown;
}

export type KoaNext = () => Promise<unknown>;

/** What the adapter puts on `ctx.state`. */
export interface TraceState {
  traceContext?: TraceContext;
}

// The Koa context of a Node request, for hooks that only get (req, res): private per-request
// state under a symbol.
const kKoaContext = Symbol.for('@tracebridge/koa.context');
type WithKoa = IncomingMessage & { [kKoaContext]?: KoaContextLike };

export function rememberContext(ctx: KoaContextLike): void {
  (ctx.req as WithKoa)[kKoaContext] = ctx;
}

function contextOf(req: IncomingMessage): KoaContextLike | undefined {
  return (req as WithKoa)[kKoaContext];
}

/** The Node response of a request the middleware saw. */
export function koaResponse(req: IncomingMessage): ServerResponse {
  const res = contextOf(req)?.res;
  if (res === undefined) throw new Error('@tracebridge/koa: no Koa context for this request');
  return res;
}

/** `http.route`: @koa/router's matched route pattern, when a route matched. */
export function koaRoute(req: IncomingMessage): string | undefined {
  const route = contextOf(req)?._matchedRoute;
  return typeof route === 'string' && route !== '' ? route : undefined;
}

/** The status Koa will send for an error (as Koa's ctx.onerror decides it). */
export function koaErrorStatus(error: unknown): number {
  const err = (error ?? {}) as { status?: unknown; statusCode?: unknown; code?: unknown };
  let status = err.status ?? err.statusCode;
  if (err.code === 'ENOENT') status = 404;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599
    ? status
    : 500;
}
