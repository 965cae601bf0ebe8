import { AsyncResource } from 'node:async_hooks';
import { createTraceContext, type TraceContext } from './context.js';
import { current } from './current.js';
import { withOtelContext } from './otel.js';
import { runStoredWith } from './store.js';

/**
 * A captured execution context that can be re-entered any number of times. One
 * AsyncResource per scope: re-entry through `runInAsyncScope` restores every
 * AsyncLocalStorage at once — tracebridge's store, OpenTelemetry's context, any other — at
 * ~15-20 ns a call on both async_hooks and AsyncContextFrame, where `als.run` per call
 * costs ~200 ns on Node 24 and `AsyncResource.bind`/`snapshot()` micro-seconds per bind
 * (test/bench measures all of them).
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

function newResource(): AsyncResource {
  return new AsyncResource('tracebridge');
}

/**
 * A scope for `ctx`: the context running now when `ctx` is omitted or is the current one,
 * else `ctx` entered first (with the OTel context it came from) and captured there.
 */
export function createScope(ctx?: TraceContext): Scope {
  const now = current();
  if (ctx === undefined || ctx === now) return new Scope(now, newResource());
  return scopeForNew(createTraceContext(ctx));
}

/**
 * A scope for `ctx`, a checked (branded) context: `ctx` entered with the OTel context it came
 * from, and captured there. A request's fresh context comes straight here.
 */
export function scopeForNew(ctx: TraceContext): Scope {
  return new Scope(ctx, runStoredWith(ctx, resourceIn, ctx));
}

/** A new resource, made with `ctx`'s OTel Context entered (when there is one to enter). */
function resourceIn(ctx: TraceContext): AsyncResource {
  return withOtelContext(ctx, newResource, NO_ARGS);
}
const NO_ARGS: [] = [];
