import type { IncomingMessage, ServerResponse } from 'node:http';

/** The part of Koa's context the middleware uses (Koa 2 and 3 alike). */
export interface KoaContextLike {
  req: IncomingMessage;
  res: ServerResponse;
  // biome-ignore lint/suspicious/noExplicitAny: Koa's own state type is the user's.
  state: any;
  /** Set by tracing({ logger }): your logger, bound to this request. */
  log?: unknown;
  /** @koa/router's matched route pattern (its documented name). */
  _matchedRoute?: unknown;
}

export type KoaNext = () => Promise<unknown>;

// The Koa context of a Node request, for the hooks that get only (req, res): private
// per-request state under a symbol.
const kKoaContext = Symbol.for('@tracebridge/koa.context');
type WithKoa = IncomingMessage & { [kKoaContext]?: KoaContextLike };

export function rememberContext(ctx: KoaContextLike): void {
  (ctx.req as WithKoa)[kKoaContext] = ctx;
}

/** The Koa context of a request the middleware saw. */
export function koaContextOf(req: IncomingMessage): KoaContextLike {
  const ctx = (req as WithKoa)[kKoaContext];
  if (ctx === undefined) throw new Error('@tracebridge/koa: no Koa context for this request');
  return ctx;
}

/** `http.route`: @koa/router's matched route pattern, when a route matched. */
export function koaRoute(req: IncomingMessage): string | undefined {
  const route = (req as WithKoa)[kKoaContext]?._matchedRoute;
  return typeof route === 'string' && route !== '' ? route : undefined;
}

/** The status Koa sends for an error (as Koa's ctx.onerror decides it). */
export function koaErrorStatus(error: unknown): number {
  const err = (error ?? {}) as { status?: unknown; statusCode?: unknown; code?: unknown };
  let status = err.status ?? err.statusCode;
  if (err.code === 'ENOENT') status = 404;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599
    ? status
    : 500;
}

export type { ServerResponse };
