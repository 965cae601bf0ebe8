import { AsyncResource } from 'node:async_hooks';
import { createTraceContext, type TraceContext } from './context.js';
import { current } from './current.js';
import { withOtelContext } from './otel.js';
import { runStored } from './store.js';

/**
 * A captured execution context that can be re-entered any number of times, from anywhere.
 * It holds one `AsyncResource` made inside the context: `runInAsyncScope` restores every
 * AsyncLocalStorage as it was then — tracebridge's store, OpenTelemetry's context, any
 * other library's — on Node's async_hooks and AsyncContextFrame lines alike.
 */
export class Scope {
  readonly context: TraceContext | undefined;
  readonly #resource: AsyncResource;

  constructor(ctx: TraceContext | undefined, resource: AsyncResource) {
    this.context = ctx;
    this.#resource = resource;
  }

  /** Calls `fn` with `thisArg` and `args` inside the captured context. */
  run<A extends unknown[], R>(fn: (...args: A) => R, thisArg: unknown, args: A): R {
    return this.#resource.runInAsyncScope(fn, thisArg, ...args);
  }
}

const newResource = () => new AsyncResource('tracebridge');

/**
 * A scope for `ctx`: the context running now when `ctx` is omitted or is the current one,
 * else `ctx` entered (with the OpenTelemetry context it came from) and captured there.
 */
export function createScope(ctx?: TraceContext): Scope {
  const now = current();
  if (ctx === undefined || ctx === now) return new Scope(now, newResource());
  return scopeForNew(createTraceContext(ctx));
}

/** A scope for `ctx`, a checked context: `ctx` entered with its OpenTelemetry context and
 * captured there. A request's fresh context comes straight here. */
export function scopeForNew(ctx: TraceContext): Scope {
  return new Scope(
    ctx,
    runStored(ctx, () => withOtelContext(ctx, newResource)),
  );
}
