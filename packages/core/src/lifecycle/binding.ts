import { errorMonitor } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestState } from './done.js';
import { toError } from './done.js';

type Emit = (this: Emitter, event: string | symbol, ...args: unknown[]) => boolean;

interface Emitter {
  emit: Emit;
  listenerCount(event: string | symbol): number;
}

/**
 * Makes every listener of the request's `req` run in the request's scope — added before or
 * after, by any method, fired from wherever. Node fires some of them from outside the
 * request: a pipelined request's events from the previous request's callbacks, Koa's
 * response from outside every middleware, a client's abort from the socket. `emit` is
 * wrapped on this instance only, as OpenTelemetry's context managers wrap an emitter's
 * listener methods.
 */
export function bindRequest(req: IncomingMessage, state: RequestState): void {
  const emitter = req as unknown as Emitter;
  const emit = emitter.emit;
  const scope = state.scope;
  emitter.emit = function tracebridgeEmit(this: Emitter, ...args: Parameters<Emit>) {
    // An event nobody listens to runs no code that could read the context.
    if (this.listenerCount(args[0]) === 0) return emit.apply(this, args);
    return scope.run(emit, this, args);
  };
}

/**
 * {@link bindRequest} for the response, which also ends the request: after every listener
 * of its 'finish' or 'close' ran ('close' without 'finish' is an abort), or when it emits an
 * 'error' in flight.
 */
export function bindResponse(res: ServerResponse, state: RequestState): void {
  const emitter = res as unknown as Emitter;
  const emit = emitter.emit;
  const scope = state.scope;
  emitter.emit = function tracebridgeEmit(this: unknown, ...args: Parameters<Emit>) {
    const event = args[0];
    if (state.result !== undefined) return scope.run(emit, this, args);
    if (event === 'finish' || event === 'close')
      return scope.run(emitThenEnd, this, [state, emit, args]);
    if (event === 'error') return scope.run(failThenEmit, this, [state, emit, args]);
    return scope.run(emit, this, args);
  };
}

/** The response's 'finish' or 'close': its listeners, then the end of the request (even
 * when a listener throws). */
function emitThenEnd(this: Emitter, state: RequestState, emit: Emit, args: Parameters<Emit>) {
  try {
    return emit.apply(this, args);
  } finally {
    state.end(args[0] === 'close' && !state.res.writableFinished, undefined, true);
  }
}

/**
 * An 'error' of the response in flight ends the request, failed; then the user's 'error'
 * listeners run. With none, the error is taken (as an 'error' listener of the request
 * logger's own would take it) and only `errorMonitor` listeners hear of it. Once the request
 * has ended, an 'error' is emitted as it is, and thrown by Node when nobody listens.
 */
function failThenEmit(this: Emitter, state: RequestState, emit: Emit, args: Parameters<Emit>) {
  state.end(!state.res.writableFinished, toError(args[1]), true);
  if (this.listenerCount('error') > 0) return emit.apply(this, args);
  if (this.listenerCount(errorMonitor) > 0) emit.call(this, errorMonitor, ...args.slice(1));
  return true;
}
