import type { IncomingMessage } from 'node:http';

interface ExpressRequestParts extends IncomingMessage {
  route?: { path?: unknown };
  baseUrl?: string;
  ip?: string;
}

/** `http.route`: the matched route's pattern, under the routers it is mounted in. */
export function expressRoute(req: IncomingMessage): string | undefined {
  const { route, baseUrl } = req as ExpressRequestParts;
  if (route === undefined || route === null || route.path === undefined) return undefined;
  const path = typeof route.path === 'string' ? route.path : String(route.path);
  return `${typeof baseUrl === 'string' ? baseUrl : ''}${path}` || '/';
}

/** `client.address`: Express's `req.ip` (which honours its `trust proxy` setting). */
export function expressClientAddress(req: IncomingMessage): string | undefined {
  const ip = (req as ExpressRequestParts).ip;
  return typeof ip === 'string' && ip !== '' ? ip : req.socket?.remoteAddress;
}

/** The status Express's final handler sends for an error: its 4xx/5xx `status`, else 500. */
export function expressErrorStatus(error: unknown): number {
  const { status, statusCode } = (error ?? {}) as { status?: unknown; statusCode?: unknown };
  const code = status ?? statusCode;
  return typeof code === 'number' && Number.isInteger(code) && code >= 400 && code <= 599
    ? code
    : 500;
}
