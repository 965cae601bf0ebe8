import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
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
  /** Milliseconds from start to the response head, when one was written. */
  readonly timeToFirstByteMs: number | undefined;
  /** Milliseconds from start to done. */
  readonly durationMs: number;
}

export type DoneCallback = (done: RequestDone) => void;

export interface RequestState {
  readonly context: TraceContext;
  readonly scope: Scope;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly startTime: bigint;
  firstByteTime: bigint | undefined;
  readonly callbacks: DoneCallback[];
  result: RequestDone | undefined;
  failure: Error | undefined;
  readonly onFinish: () => void;
  readonly onClose: () => void;
  readonly onError: (error: unknown) => void;
  socket: Socket | undefined;
}

const kPending = Symbol.for('@tracebridge/core.socket.pending');

type TrackedSocket = Socket & { [kPending]?: Set<RequestState> };

// A symbol property on the request. Measured under load: a WeakMap keyed by requests costs
// ~17 µs of CPU per request (identity hashes, ephemeron work for the young-generation GC);
// a property costs ~10 ns on a plain request and ~2 µs on one whose prototype Express
// replaced. Symbol.for: every installed copy of core finds it.
const kState = Symbol.for('@tracebridge/core.request');
type WithState = IncomingMessage & { [kState]?: RequestState };

export function stateOf(req: IncomingMessage): RequestState | undefined {
  return (req as WithState)[kState];
}

/**
 * Starts done-tracking for a request: `finish`, `close` and `error` on `res` and the
 * socket's own `close` share one exit, which detaches them all before it runs — so each
 * callback runs exactly once, aborted or not. The socket counts because a response queued
 * behind another on a pipelined connection that the client drops emits neither `finish`
 * nor `close`.
 */
export function track(
  req: IncomingMessage,
  res: ServerResponse,
  context: TraceContext,
  scope: Scope,
  report: (error: unknown) => void,
): RequestState {
  const state: RequestState = {
    context,
    scope,
    req,
    res,
    startTime: process.hrtime.bigint(),
    firstByteTime: undefined,
    callbacks: [],
    result: undefined,
    failure: undefined,
    onFinish: () => complete(state, false, undefined, report),
    onClose: () => complete(state, !res.writableFinished, undefined, report),
    onError: (error) => complete(state, !res.writableFinished, toError(error), report),
    socket: undefined,
  };
  (req as WithState)[kState] = state;
  res.on('finish', state.onFinish);
  res.on('close', state.onClose);
  res.on('error', state.onError);
  watchSocket(state, req.socket);
  watchFirstByte(state, res);
  return state;
}

function watchSocket(state: RequestState, socket: Socket | null | undefined): void {
  if (socket === null || socket === undefined || typeof socket.once !== 'function') return;
  const tracked = socket as TrackedSocket;
  let pending = tracked[kPending];
  if (pending === undefined) {
    const set = new Set<RequestState>();
    pending = set;
    tracked[kPending] = set;
    // One listener per socket, however many keep-alive or pipelined requests it carries.
    socket.once('close', () => {
      for (const waiting of [...set]) waiting.onClose();
    });
  }
  pending.add(state);
  state.socket = socket;
}

function watchFirstByte(state: RequestState, res: ServerResponse): void {
  if (res.headersSent) {
    state.firstByteTime = state.startTime;
    return;
  }
  // ServerResponse routes implicit headers (write/end without writeHead) through
  // writeHead too, so this instance-level hook sees every response head.
  const writeHead = res.writeHead;
  res.writeHead = function trackedWriteHead(this: ServerResponse, ...args: unknown[]) {
    state.firstByteTime ??= process.hrtime.bigint();
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
}

function complete(
  state: RequestState,
  aborted: boolean,
  error: Error | undefined,
  report: (error: unknown) => void,
): void {
  if (state.result !== undefined) return;
  const { res } = state;
  res.removeListener('finish', state.onFinish);
  res.removeListener('close', state.onClose);
  res.removeListener('error', state.onError);
  if (state.socket !== undefined) (state.socket as TrackedSocket)[kPending]?.delete(state);
  const end = process.hrtime.bigint();
  state.result = {
    context: state.context,
    req: state.req,
    res,
    statusCode: res.statusCode,
    aborted,
    error: error ?? state.failure,
    startTime: state.startTime,
    timeToFirstByteMs:
      state.firstByteTime === undefined ? undefined : toMs(state.firstByteTime - state.startTime),
    durationMs: toMs(end - state.startTime),
  };
  for (const callback of state.callbacks) notify(state, callback, report);
}

/** Runs one done callback in the request's scope; a throwing callback is reported, not rethrown. */
export function notify(state: RequestState, callback: DoneCallback, report: (e: unknown) => void) {
  const result = state.result;
  if (result === undefined) return;
  try {
    state.scope.run(callback, undefined, [result]);
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
