import { isValidSpanId, isValidTraceId } from '../ids.js';

/** A parsed W3C `traceparent` (or Level 2 `traceresponse`) header. */
export interface TraceParent {
  /** The header's version (0 today; higher versions are parsed as version 0). */
  readonly version: number;
  readonly traceId: string;
  /** The caller's span id (`parent-id`; `child-id` in a `traceresponse`). */
  readonly spanId: string;
  /** The whole `trace-flags` byte as received. */
  readonly traceFlags: number;
}

// version "-" trace-id "-" parent-id "-" trace-flags, in lowercase hex; a later version may
// append "-" and fields of its own, which this version does not read.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/s;
// Optional white space (SP / HTAB) that HTTP allows around a header value.
const OWS = /^[ \t]+|[ \t]+$/g;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
// Many times the longest value this parser reads: anything longer is refused unread.
const MAX_LENGTH = 512;

/**
 * Parses a W3C Trace Context `traceparent` value strictly: lowercase hex only, no all-zero
 * ids, version `ff` refused, version 00 exactly 55 characters, later versions read as 00
 * (a longer value must continue with `-`). Returns `undefined` for anything invalid —
 * never throws, whatever the input.
 *
 * @example
 * parseTraceParent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
 * // { version: 0, traceId: '4bf9…4736', spanId: '00f067aa0ba902b7', traceFlags: 1 }
 */
export function parseTraceParent(value: unknown): TraceParent | undefined {
  if (typeof value !== 'string' || value.length > MAX_LENGTH) return undefined;
  const match = TRACEPARENT.exec(value.replace(OWS, ''));
  if (match === null) return undefined;
  const [, versionHex, traceId, spanId, flagsHex, future] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  const version = Number.parseInt(versionHex, 16);
  if (version === 0xff || (version === 0 && future !== undefined)) return undefined;
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  return { version, traceId, spanId, traceFlags: Number.parseInt(flagsHex, 16) };
}

/**
 * Formats a version-00 `traceparent` (or `traceresponse`) value. Throws a `TypeError` for
 * invalid ids or flags, so an unchecked value never reaches a header.
 *
 * @example
 * formatTraceParent({ traceId, spanId, traceFlags: 1 }); // '00-<traceId>-<spanId>-01'
 */
export function formatTraceParent(parts: {
  traceId: string;
  spanId: string;
  traceFlags: number;
}): string {
  if (!isValidTraceId(parts.traceId)) {
    throw new TypeError('@tracebridge/core: formatTraceParent() needs a valid 32-hex traceId');
  }
  if (!isValidSpanId(parts.spanId)) {
    throw new TypeError('@tracebridge/core: formatTraceParent() needs a valid 16-hex spanId');
  }
  const flags = parts.traceFlags;
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xff) {
    throw new TypeError('@tracebridge/core: formatTraceParent() needs traceFlags from 0 to 255');
  }
  return `00-${parts.traceId}-${parts.spanId}-${flags.toString(16).padStart(2, '0')}`;
}
