import type { IncomingMessage } from 'node:http';
import {
  FLAG_RANDOM,
  FLAG_SAMPLED,
  newTraceContext,
  sealContext,
  type TraceContext,
} from '../context.js';
import { randomSpanId } from '../ids.js';
import { activeRequestSpan, fromSpanContext } from '../otel.js';
import { extractIncoming, type RemoteParent } from '../w3c/propagation.js';
import { normalizeTraceState } from '../w3c/tracestate.js';
import type { ResolvedOptions } from './options.js';

// Loose enough for UUIDs, ULIDs, base64 and load-balancer ids; nothing that could split a
// header or a log line.
const SAFE_TOKEN = /^[A-Za-z0-9._~:@+/=-]{1,128}$/;

/**
 * The context a request runs in. Ids come, in order, from: the OTel span active now (an
 * instrumented server's span) → the caller's `traceparent` (when trusted), continued with a
 * new span id of this hop → a new trace.
 */
export function contextFromRequest(
  req: IncomingMessage,
  options: ResolvedOptions,
  report: (error: unknown) => void,
): TraceContext {
  const trusted = isTrusted(req, options, report);
  const extra = {
    requestId: requestIdOf(req, options, trusted, report),
    fields: fieldsOf(req, options, report),
  };
  const span = activeRequestSpan();
  const active = span?.spanContext;
  if (span !== undefined && active?.isRemote !== true) {
    const ctx = fromSpanContext(span.spanContext, extra, span.otelContext);
    if (ctx !== undefined) return ctx;
  }
  const parent: RemoteParent | undefined =
    active !== undefined
      ? withState(active.traceId, active.spanId, active.traceFlags, active.traceState?.serialize())
      : trusted
        ? extractIncoming(req.headers)
        : undefined;
  if (parent === undefined) {
    const init: Parameters<typeof newTraceContext>[0] = { sampled: options.sampled };
    if (extra.requestId !== undefined) init.requestId = extra.requestId;
    if (extra.fields !== undefined) init.fields = extra.fields;
    return newTraceContext(init);
  }
  return sealContext({
    traceId: parent.traceId,
    spanId: randomSpanId(),
    traceFlags: parent.traceFlags & (FLAG_SAMPLED | FLAG_RANDOM),
    traceState: parent.traceState,
    parentSpanId: parent.spanId,
    requestId: extra.requestId,
    fields: extra.fields,
  });
}

function withState(
  traceId: string,
  spanId: string,
  traceFlags: number,
  state: string | undefined,
): RemoteParent {
  const traceState = normalizeTraceState(state);
  return traceState === undefined
    ? { traceId, spanId, traceFlags }
    : { traceId, spanId, traceFlags, traceState };
}

function isTrusted(
  req: IncomingMessage,
  options: ResolvedOptions,
  report: (e: unknown) => void,
): boolean {
  try {
    return options.trustIncoming(req) === true;
  } catch (error) {
    report(error);
    return false;
  }
}

function requestIdOf(
  req: IncomingMessage,
  options: ResolvedOptions,
  trusted: boolean,
  report: (e: unknown) => void,
): string | undefined {
  const config = options.requestId;
  if (config === undefined) return undefined;
  if (trusted && config.header !== undefined) {
    const incoming = req.headers[config.header];
    if (typeof incoming === 'string' && SAFE_TOKEN.test(incoming)) return incoming;
  }
  try {
    const generated = config.generate();
    if (typeof generated === 'string' && SAFE_TOKEN.test(generated)) return generated;
    report(
      new TypeError(
        '@tracebridge/core: requestId.generate() must return a safe token (1-128 of A-Z a-z 0-9 . _ ~ : @ + / = -)',
      ),
    );
  } catch (error) {
    report(error);
  }
  return newTraceContext().spanId;
}

function fieldsOf(
  req: IncomingMessage,
  options: ResolvedOptions,
  report: (e: unknown) => void,
): Readonly<Record<string, unknown>> | undefined {
  if (options.contextFields === undefined) return undefined;
  try {
    const fields = options.contextFields(req);
    if (fields === undefined || fields === null) return undefined;
    if (typeof fields === 'object') return fields;
    report(
      new TypeError('@tracebridge/core: contextFields(req) must return an object or undefined'),
    );
  } catch (error) {
    report(error);
  }
  return undefined;
}
