import { formatTraceParent, parseTraceParent, type TraceParent } from './traceparent.js';

/**
 * W3C Trace Context's response binding (the editors' draft since 2025-10): a Server Timing
 * metric named `trace` whose description is a version-00 `traceparent`-shaped value,
 * `trace;desc=00-<trace-id>-<span-id>-<flags>`. It replaces the `traceresponse` header,
 * and a browser reads it through `PerformanceServerTiming`.
 */
export const TRACE_METRIC = 'trace';

/** The flags a response reports: `sampled` and `random-trace-id`; others are zero. */
const RESPONSE_FLAGS = 0x03;

/**
 * The `trace` Server-Timing metric for a response. Throws a `TypeError` for invalid ids.
 *
 * @example
 * formatTraceMetric({ traceId, spanId, traceFlags: 1 }); // 'trace;desc=00-<traceId>-<spanId>-01'
 */
export function formatTraceMetric(parts: {
  traceId: string;
  spanId: string;
  traceFlags: number;
}): string {
  const value = formatTraceParent({ ...parts, traceFlags: parts.traceFlags & RESPONSE_FLAGS });
  return `${TRACE_METRIC};desc=${value}`;
}

/**
 * A `Server-Timing` value with `metric` appended after what the app already put there (one
 * header line or several); the app's own metrics are kept as they are.
 */
export function appendServerTiming(existing: unknown, metric: string): string {
  const lines = Array.isArray(existing) ? existing.map(String) : [];
  if (typeof existing === 'string' || typeof existing === 'number') lines.push(String(existing));
  const kept = lines.map((line) => line.trim()).filter((line) => line !== '');
  return [...kept, metric].join(', ');
}

/** One metric of a Server-Timing value: its name and its parameters, unquoted. */
interface Metric {
  name: string;
  params: Map<string, string>;
}

// A token (RFC 9110) and a quoted-string with its backslash escapes.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;
const QUOTED = /^"((?:[^"\\]|\\.)*)"/s;
const OWS = /^[ \t]*/;
const MAX_LENGTH = 8192;

/**
 * Parses a `Server-Timing` value (or its header lines) into metrics, leniently: a metric
 * that does not parse is skipped up to the next comma, as the Server Timing spec asks.
 */
function parseServerTiming(value: string): Metric[] {
  const metrics: Metric[] = [];
  let rest = value;
  const skip = (re: RegExp) => {
    rest = rest.slice(re.exec(rest)?.[0].length ?? 0);
  };
  const skipToComma = () => {
    // A comma inside a quoted string does not end the metric.
    while (rest !== '' && rest[0] !== ',') {
      const quoted = QUOTED.exec(rest);
      rest = rest.slice(quoted === null ? 1 : quoted[0].length);
    }
  };
  while (rest !== '') {
    skip(OWS);
    const name = TOKEN.exec(rest)?.[0];
    if (name === undefined) {
      skipToComma();
      rest = rest.slice(1);
      continue;
    }
    rest = rest.slice(name.length);
    const params = new Map<string, string>();
    for (skip(OWS); rest[0] === ';'; skip(OWS)) {
      rest = rest.slice(1);
      skip(OWS);
      const param = TOKEN.exec(rest)?.[0];
      if (param === undefined) break;
      rest = rest.slice(param.length);
      skip(OWS);
      let paramValue = '';
      if (rest[0] === '=') {
        rest = rest.slice(1);
        skip(OWS);
        const quoted = QUOTED.exec(rest);
        const token = quoted === null ? TOKEN.exec(rest) : null;
        paramValue =
          quoted !== null ? (quoted[1] ?? '').replace(/\\(.)/gs, '$1') : (token?.[0] ?? '');
        rest = rest.slice((quoted ?? token)?.[0].length ?? 0);
      }
      const key = param.toLowerCase();
      if (!params.has(key)) params.set(key, paramValue);
    }
    metrics.push({ name: name.toLowerCase(), params });
    skipToComma();
    rest = rest.slice(1);
  }
  return metrics;
}

/**
 * Reads the trace of a response from its `Server-Timing` value (the first metric named
 * `trace`, in any case), or `undefined` when there is none or it is invalid. Never throws.
 *
 * @example
 * parseTraceMetric('db;dur=53, trace;desc=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
 * // { version: 0, traceId: '4bf9…4736', spanId: '00f067aa0ba902b7', traceFlags: 1 }
 */
export function parseTraceMetric(value: unknown): TraceParent | undefined {
  const text = Array.isArray(value)
    ? value.filter((line) => typeof line === 'string').join(',')
    : value;
  if (typeof text !== 'string' || text.length > MAX_LENGTH) return undefined;
  try {
    const trace = parseServerTiming(text).find((metric) => metric.name === TRACE_METRIC);
    const parsed = parseTraceParent(trace?.params.get('desc'));
    return parsed?.version === 0 ? parsed : undefined;
  } catch {
    return undefined;
  }
}
