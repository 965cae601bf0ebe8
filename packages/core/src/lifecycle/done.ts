import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TraceContext } from '../context.js';
import type { Scope } from '../scope.js';
import type { Timing } from './timing.js';

/** What a request lifecycle's `onDone` receives, once per request. */
export interface RequestDone {
  readonly context: TraceContext;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The status sent — or, for a request aborted before its head went out, the status the
   * response had then, which was never sent (the request line leaves it out). */
  readonly statusCode: number;
  /** True when the response did not finish: the client went away, or the socket closed. */
  readonly aborted: boolean;
  /** The error that failed the request: one the response emitted, or one a handler threw
   * and an adapter recorded (see recordRequestError). */
  readonly error: Error | undefined;
  /** `process.hrtime.bigint()` when the request context started. */
  readonly startTime: bigint;
  /** Milliseconds from start until the response's first bytes could go out: its head was
   * written and it had the connection (a pipelined response waits for the ones before it).
   * `undefined` when no head was written. */
  readonly timeToFirstByteMs: number | undefined;
  /** Milliseconds from start to done. */
  readonly durationMs: number;
}

export type DoneCallback = (done: RequestDone) => void;

/**
 * One request's done-tracking: its context, the scope its callbacks run in, and the
 * callbacks to call exactly once when it ends — finished, aborted or failed.
 */
export class RequestState {
  /** This request's done callbacks (more than one only when lifecycles joined). */
  readonly callbacks: DoneCallback[] = [];
  result: RequestDone | undefined = undefined;
  /** An error a handler failed the request with (recordRequestError); the first one wins. */
  failure: Error | undefined = undefined;
  /** Whether the trace metric goes into the response's Server-Timing (once per request). */
  traceMetric = false;
  /** Whether an adapter's request line is among the callbacks (one per request). */
  requestLine = false;
  /** The errors an error line was written for already (one line per error). */
  loggedErrors: Set<unknown> | undefined = undefined;

  constructor(
    readonly context: TraceContext,
    readonly scope: Scope,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly timing: Timing,
    readonly report: (error: unknown) => void,
  ) {}

  /** Ends the request, once: later calls do nothing. Runs every done callback in the
   * request's scope (`inScope`: the caller runs in it already); one that throws is reported
   * and the others still run. */
  end(aborted: boolean, error?: Error, inScope = false): void {
    if (this.result !== undefined) return;
    const end = process.hrtime.bigint();
    releaseSocket(this);
    const firstByte = this.timing.firstByte();
    this.result = {
      context: this.context,
      req: this.req,
      res: this.res,
      statusCode: this.res.statusCode,
      aborted,
      error: error ?? this.failure,
      startTime: this.timing.start,
      timeToFirstByteMs: firstByte === undefined ? undefined : toMs(firstByte - this.timing.start),
      durationMs: toMs(end - this.timing.start),
    };
    for (const callback of this.callbacks) this.notify(callback, inScope);
  }

  /** Calls `callback` with the result, in the request's scope, if the request has ended. */
  notify(callback: DoneCallback, inScope = false): void {
    const result = this.result;
    if (result === undefined) return;
    try {
      if (inScope) callback(result);
      else this.scope.run(callback, undefined, [result]);
    } catch (error) {
      this.report(error);
    }
  }
}

function toMs(ns: bigint): number {
  return Number(ns) / 1e6;
}

export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

// The state lives on `req` under a symbol shared by every copy of core (ESM and CJS
// builds), so that a second middleware, an error handler or requestContext() finds it.
const kState = Symbol.for('@tracebridge/core.requestState');

type WithState = IncomingMessage & { [kState]?: RequestState };

export function attachState(state: RequestState): void {
  (state.req as WithState)[kState] = state;
}

export function stateOf(req: IncomingMessage): RequestState | undefined {
  return (req as WithState | null | undefined)?.[kState];
}

// The requests in flight on each socket, under a symbol of ours on the socket. A response
// queued behind another on a pipelined connection that the client drops emits neither
// 'finish' nor 'close': the socket's own 'close' ends it. One listener per socket, however
// many requests it carries.
const kInFlight = Symbol.for('@tracebridge/core.requestsInFlight');

type TrackedSocket = Socket & { [kInFlight]?: Set<RequestState> | undefined };

function onSocketClose(this: TrackedSocket): void {
  const states = this[kInFlight];
  if (states === undefined) return;
  this[kInFlight] = undefined;
  for (const state of states) state.end(!state.res.writableFinished);
}

/** Ends `state` when its socket closes, if nothing ended it before. */
export function endWithSocket(state: RequestState): void {
  const socket = state.req.socket as TrackedSocket | null | undefined;
  if (socket === null || socket === undefined) return;
  try {
    let states = socket[kInFlight];
    if (states === undefined) {
      socket.once('close', onSocketClose);
      states = new Set();
      socket[kInFlight] = states;
    }
    states.add(state);
  } catch {
    // A socket that refuses to be touched (HTTP/2's compatibility API guards its socket):
    // the response's own events still end the request.
  }
}

function releaseSocket(state: RequestState): void {
  (state.req.socket as TrackedSocket | null | undefined)?.[kInFlight]?.delete(state);
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

/** Whether an error line for `error` is still to be written for `req` — once per error,
 * however many error middlewares see it; notes that it is being written now. */
export function firstErrorLine(req: IncomingMessage, error: unknown): boolean {
  const state = stateOf(req);
  if (state === undefined) return true;
  state.loggedErrors ??= new Set();
  if (state.loggedErrors.has(error)) return false;
  state.loggedErrors.add(error);
  return true;
}
