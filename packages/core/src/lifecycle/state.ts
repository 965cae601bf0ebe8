import { errorMonitor } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
// The process object as a module binding: Node defines the global `process` as an accessor,
// and every read of it is a getter call that optimized code keeps (~150 instructions and
// ~10 instruction-cache misses per read on Node 20: callgrind, test/bench section 2d's
// node:http drive). `hrtime` is still read off it per call, so a faked clock is seen.
import process from 'node:process';
import type { TraceContext } from '../context.js';
import type { Scope } from '../scope.js';

/** What a request lifecycle's `onDone` receives, once per request. */
export interface RequestDone {
  readonly context: TraceContext;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The status sent (or that would have been sent, for an aborted response). */
  readonly statusCode: number;
  /** True when the response did not finish: the client went away, or the socket closed. */
  readonly aborted: boolean;
  /** The error that failed the request: one the response emitted, or one a handler threw
   * and an adapter recorded (see recordRequestError). */
  readonly error: Error | undefined;
  /** `process.hrtime.bigint()` when the request context started. */
  readonly startTime: bigint;
  /** Milliseconds from start to the first bytes of the response reaching its socket (for a
   * pipelined response queued behind another: when its turn came), when any were sent. */
  readonly timeToFirstByteMs: number | undefined;
  /** Milliseconds from start to done. */
  readonly durationMs: number;
}

export type DoneCallback = (done: RequestDone) => void;

// The requests in flight on a socket, oldest first (an array: a request added and removed
// again costs a push and a pop, where a Set's add and delete cost ~15x that).
const kPending = Symbol.for('@tracebridge/core.socket.requests');
const kWritesWatched = Symbol.for('@tracebridge/core.socket.writes');

type TrackedSocket = Socket & {
  [kPending]?: RequestState[];
  [kWritesWatched]?: boolean;
};

// The state travels on the functions that bind `req.emit` and `res.emit` (one property
// each on a fresh closure: cheap), not on `req` or `res`: on objects whose prototype Express
// replaced, every property added gives the object a map of its own (~2 µs, and every later
// property access on it misses V8's caches). Symbol.for: every installed copy of core
// finds it.
const kState = Symbol.for('@tracebridge/core.request');
type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
type BoundEmit = Emit & { [kState]?: RequestState };

/**
 * A request's done-tracking. A class, not an object literal: V8 tracks allocation sites of
 * literals and, when most of a site's objects outlive a scavenge (as request-long objects
 * do under load), allocates them straight in the old generation, where each one keeps its
 * young request graph alive until the next full GC — measured as a 10× rise in GC time.
 */
export class RequestState {
  firstByteTime: bigint | undefined = undefined;
  /** This request's done callbacks (more than one only when lifecycles joined). */
  readonly callbacks: DoneCallback[] = [];
  result: RequestDone | undefined = undefined;
  failure: Error | undefined = undefined;
  socket: Socket | undefined = undefined;
  readonly startTime: bigint = process.hrtime.bigint();

  constructor(
    readonly context: TraceContext,
    readonly scope: Scope,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly report: (error: unknown) => void,
  ) {}

  /** Ends tracking because the response finished, closed or failed; `inScope`: called
   * inside the request's scope already (its done callbacks need no entry of their own). */
  finish(aborted: boolean, error: Error | undefined, inScope = false): void {
    complete(this, aborted, error, inScope);
  }
}

function stateOnEmit(emitter: unknown): RequestState | undefined {
  const emit = (emitter as { emit?: unknown }).emit;
  return typeof emit === 'function' ? (emit as BoundEmit)[kState] : undefined;
}

/** The request in flight on `socket` whose `req` (or, with `response`, `res`) is `message`
 * (for a `req.emit` someone replaced after us). */
function pendingOn(socket: unknown, message: unknown, response: boolean) {
  const pending = (socket as TrackedSocket | null | undefined)?.[kPending];
  if (pending === undefined) return undefined;
  for (const state of pending) if ((response ? state.res : state.req) === message) return state;
  return undefined;
}

export function stateOf(req: IncomingMessage): RequestState | undefined {
  const state = stateOnEmit(req);
  if (state !== undefined && state.req === req) return state;
  return pendingOn(req.socket, req, false);
}

function stateOfResponse(res: ServerResponse): RequestState | undefined {
  const state = stateOnEmit(res);
  if (state !== undefined && state.res === res) return state;
  return pendingOn(res.socket, res, true);
}

function onSocketClose(this: TrackedSocket): void {
  const pending = this[kPending];
  if (pending === undefined) return;
  for (const waiting of [...pending]) waiting.finish(!waiting.res.writableFinished, undefined);
}

/** What bindEmit wraps: a Node.js EventEmitter (`req`, `res`). */
interface Listened {
  emit: unknown;
  listenerCount(event: string | symbol): number;
}

/**
 * An event no listener waits for runs nothing in the request's scope: emitting it needs no
 * re-entry (a hook call each way on Node's async_hooks lines). Most of a request's events
 * — `readable`, `resume`, `prefinish`, `end`… — have none. A method call on the emitter:
 * the function read off it first and called with `.call` cost twice as much per event.
 */
function hasNoListener(emitter: Listened, event: unknown): boolean {
  return (
    (typeof event === 'string' || typeof event === 'symbol') && emitter.listenerCount(event) === 0
  );
}

/**
 * Every listener of `emitter` — added before or after, by any method — runs in the
 * request's scope: `emit` is wrapped on the instance (one property instead of five
 * listener methods). Given the response as `res`, the wrapper also ends the request on its
 * `finish` and `close`, once every listener of the event has run, and on an `error` it
 * emits in flight — rather than by three listeners of our own added and removed per
 * request (an `error` listener added and removed per request cost ~1.4k of the ~40k
 * instructions a request took through the lifecycle on Node 20: test/bench section 2d's
 * node:http rows).
 */
function bindEmit(emitter: Listened, state: RequestState, res?: ServerResponse): void {
  const original = emitter.emit as Emit;
  const scope = state.scope;
  const bound: BoundEmit = function tracebridgeEmit(this: unknown, ...args) {
    const event = args[0];
    if (
      res === undefined ||
      state.result !== undefined ||
      (event !== 'finish' && event !== 'close' && event !== 'error')
    ) {
      // `this` is the emitter whose emit it is (Node calls it as a method). After done, the
      // response's `close` (which follows `finish` over HTTP) has nothing left to end, and
      // an `error` goes to the user's listeners, or is thrown as Node throws it.
      if (hasNoListener(this as Listened, event)) return original.apply(this, args);
      return scope.run(original, this, args);
    }
    // One entry into the scope for the listeners and the done callbacks.
    if (event === 'error') return scope.run(failThenEmit, this, [state, original, args]);
    return scope.run(emitThenFinish, this, [state, original, args]);
  };
  bound[kState] = state;
  emitter.emit = bound;
}

/** The response's `finish` or `close`: its listeners, then the end of the request (even
 * when a listener throws). */
function emitThenFinish(
  this: unknown,
  state: RequestState,
  original: Emit,
  args: Parameters<Emit>,
): boolean {
  try {
    return original.apply(this, args);
  } finally {
    // A 'close' before 'finish' is an abort: the response never finished.
    state.finish(args[0] === 'close' && !state.res.writableFinished, undefined, true);
  }
}

/**
 * An `error` the response emits in flight: the request ends, failed, with its done
 * callbacks run first — then the user's `error` listeners. With none, the error is not
 * thrown (the request took it, as a listener of ours would have; Node's `errorMonitor`
 * listeners still hear of it). Once the request is done, an `error` is Node's business
 * again: with no listener, it is thrown.
 */
function failThenEmit(
  this: Listened,
  state: RequestState,
  original: Emit,
  args: Parameters<Emit>,
): boolean {
  state.finish(!state.res.writableFinished, toError(args[1]), true);
  if (this.listenerCount('error') > 0) return original.apply(this, args);
  if (this.listenerCount(errorMonitor) > 0) original.call(this, errorMonitor, ...args.slice(1));
  return true;
}

/**
 * Starts done-tracking for a request: `finish`, `close` and `error` on `res` (seen by its
 * bound `emit`, see bindEmit) and the socket's own `close` share one exit, which takes the
 * request off its socket and runs once — so each callback runs exactly once, aborted or
 * not. The socket counts because a response queued behind another on a pipelined
 * connection that the client drops emits neither `finish` nor `close`. `req` and `res` are
 * bound to the state's scope.
 */
export function track(
  req: IncomingMessage,
  res: ServerResponse,
  context: TraceContext,
  scope: Scope,
  report: (error: unknown) => void,
): RequestState {
  const state = new RequestState(context, scope, req, res, report);
  const bytesWatched = watchSocket(state, req.socket);
  if (res.headersSent) state.firstByteTime = state.startTime;
  else if (!bytesWatched) watchHead(state, res);
  bindEmit(req, state);
  bindEmit(res, state, res);
  return state;
}

/** Tracks the request on its socket; whether the socket's writes give its first byte. */
function watchSocket(state: RequestState, socket: Socket | null | undefined): boolean {
  if (socket === null || socket === undefined) return false;
  const tracked = socket as TrackedSocket;
  try {
    let pending = tracked[kPending];
    if (pending === undefined) {
      if (typeof socket.once !== 'function') return false;
      pending = [];
      tracked[kPending] = pending;
      // Once per socket, however many keep-alive or pipelined requests it carries.
      socket.once('close', onSocketClose);
      tracked[kWritesWatched] = watchFirstBytes(socket);
    }
    pending.push(state);
    state.socket = socket;
    return tracked[kWritesWatched] === true;
  } catch {
    // A socket that refuses to be touched (HTTP/2's compatibility API guards its socket):
    // the response's own events still end the request.
    return false;
  }
}

type Write = (this: Socket, ...args: unknown[]) => boolean;

/**
 * Time to first byte: when the first bytes of a response reach its socket. Node writes a
 * response (head and body, or a pipelined response's buffered output once its turn comes)
 * through `socket.write` while `socket._httpMessage` is that response; hooked once per
 * socket, not once per response.
 */
function watchFirstBytes(socket: Socket): boolean {
  try {
    const write = socket.write as Write;
    if (typeof write !== 'function') return false;
    socket.write = function tracebridgeSocketWrite(this: Socket, ...args: unknown[]): boolean {
      const message = (this as { _httpMessage?: unknown })._httpMessage;
      if (typeof message === 'object' && message !== null) {
        const state = stateOfResponse(message as ServerResponse);
        if (state !== undefined && state.firstByteTime === undefined)
          state.firstByteTime = process.hrtime.bigint();
      }
      return write.apply(this, args);
    } as Socket['write'];
    return true;
  } catch {
    return false; // HTTP/2's compatibility API guards its socket
  }
}

/** Time to first byte where the socket's writes cannot be watched (HTTP/2's compatibility
 * API): when the response head is written. */
function watchHead(state: RequestState, res: ServerResponse): void {
  const writeHead = res.writeHead as (...args: unknown[]) => ServerResponse;
  if (typeof writeHead !== 'function') return;
  res.writeHead = function tracebridgeWriteHead(this: ServerResponse, ...args: unknown[]) {
    state.firstByteTime ??= process.hrtime.bigint();
    return writeHead.apply(this, args);
  } as ServerResponse['writeHead'];
}

/** A class for the reason RequestState is one. */
class RequestResult implements RequestDone {
  readonly context: TraceContext;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly statusCode: number;
  readonly startTime: bigint;

  constructor(
    state: RequestState,
    readonly aborted: boolean,
    readonly error: Error | undefined,
    readonly timeToFirstByteMs: number | undefined,
    readonly durationMs: number,
  ) {
    this.context = state.context;
    this.req = state.req;
    this.res = state.res;
    this.statusCode = state.res.statusCode;
    this.startTime = state.startTime;
  }
}

function complete(
  state: RequestState,
  aborted: boolean,
  error: Error | undefined,
  inScope: boolean,
): void {
  if (state.result !== undefined) return;
  const pending = (state.socket as TrackedSocket | undefined)?.[kPending];
  if (pending !== undefined) {
    // Looked for from the end, where it most often is, in a loop: lastIndexOf is a builtin
    // call of its own (~130 instructions on Node 20).
    for (let i = pending.length - 1; i >= 0; i--) {
      if (pending[i] !== state) continue;
      if (i === pending.length - 1) pending.pop();
      else pending.splice(i, 1);
      break;
    }
  }
  const end = process.hrtime.bigint();
  state.result = new RequestResult(
    state,
    aborted,
    error ?? state.failure,
    state.firstByteTime === undefined ? undefined : toMs(state.firstByteTime - state.startTime),
    toMs(end - state.startTime),
  );
  for (const callback of state.callbacks) notify(state, callback, state.report, inScope);
}

/** Runs one done callback in the request's scope (entering it unless `inScope`); a throwing
 * callback is reported, not rethrown. */
export function notify(
  state: RequestState,
  callback: DoneCallback,
  report: (e: unknown) => void,
  inScope = false,
) {
  const result = state.result;
  if (result === undefined) return;
  try {
    if (inScope) callback(result);
    else state.scope.run(callback, undefined, [result]);
  } catch (error) {
    report(error);
  }
}

function toMs(ns: bigint): number {
  return Number(ns) / 1e6;
}

export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * The context a request lifecycle started for `req`, or `undefined` when none did.
 *
 * @example
 * app.get('/', (req, res) => res.json({ traceId: requestContext(req)?.traceId }));
 */
export function requestContext(req: IncomingMessage): TraceContext | undefined {
  return stateOf(req)?.context;
}

/**
 * Records the error a handler failed the request with, so the request's `onDone` (and its
 * request log line) reports it. The first error recorded wins. No-op for a request no
 * lifecycle started.
 *
 * @example
 * app.use((err, req, res, next) => {
 *   recordRequestError(req, err);
 *   next(err);
 * });
 */
export function recordRequestError(req: IncomingMessage, error: unknown): void {
  const state = stateOf(req);
  if (state !== undefined && state.failure === undefined) state.failure = toError(error);
}
