import type { ServerResponse } from 'node:http';
import type { TraceContext } from '../context.js';
import { appendServerTiming, formatTraceMetric } from '../w3c/server-timing.js';
import { formatTraceParent } from '../w3c/traceparent.js';
import type { ResolvedOptions } from './options.js';

const SERVER_TIMING = 'server-timing';

/**
 * The headers a request's response gets when it starts: the legacy `traceresponse` header
 * and the request id. (The Server-Timing metric is added when the head is written: see
 * addTraceMetric.)
 */
export function setStartHeaders(
  res: ServerResponse,
  context: TraceContext,
  options: ResolvedOptions,
): void {
  if (res.headersSent) return;
  if (options.traceResponse === 'traceresponse') {
    res.setHeader(
      'traceresponse',
      formatTraceParent({
        traceId: context.traceId,
        spanId: context.spanId,
        traceFlags: context.traceFlags & 0x03,
      }),
    );
  }
  const header = options.requestId?.responseHeader;
  if (header !== undefined && context.requestId !== undefined) {
    res.setHeader(header, context.requestId);
  }
}

/**
 * Adds the `trace` metric to the response's `Server-Timing`, right before its head is
 * written — after whatever metrics the app set, never replacing them, also when the app
 * passes the header to `writeHead` itself (then `args`, the call's own argument list, gets
 * a copy of the app's headers with the metric added; the app's object is left alone).
 */
export function addTraceMetric(res: ServerResponse, context: TraceContext, args: unknown[]) {
  const metric = formatTraceMetric(context);
  const at = args.findIndex((arg, i) => i > 0 && typeof arg === 'object' && arg !== null);
  const inline = args[at];
  if (Array.isArray(inline)) {
    // A raw list: name, value, name, value…
    for (let i = 0; i + 1 < inline.length; i += 2) {
      if (String(inline[i]).toLowerCase() === SERVER_TIMING) {
        const copy = [...inline];
        copy[i + 1] = appendServerTiming(inline[i + 1], metric);
        args[at] = copy;
        return;
      }
    }
  } else if (inline !== undefined) {
    const headers = inline as Record<string, unknown>;
    const key = Object.keys(headers).find((name) => name.toLowerCase() === SERVER_TIMING);
    if (key !== undefined) {
      args[at] = Object.assign({}, headers, { [key]: appendServerTiming(headers[key], metric) });
      return;
    }
  }
  res.setHeader(SERVER_TIMING, appendServerTiming(res.getHeader(SERVER_TIMING), metric));
}
