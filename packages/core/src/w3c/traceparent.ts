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

const VERSION_00_LENGTH = 55;
const HEX2 = /^[0-9a-f]{2}$/;
// Leading and trailing optional white space (SP / HTAB) that HTTP allows around a value.
const OWS = /^[ \t]+|[ \t]+$/g;

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
  if (typeof value !== 'string') return undefined;
  // A value many times the longest valid one is refused before any other work.
  if (value.length > 512) return undefined;
  const header = value.replace(OWS, '');
  if (header.length < VERSION_00_LENGTH) return undefined;
  const versionHex = header.slice(0, 2);
  if (!HEX2.test(versionHex) || versionHex === 'ff') return undefined;
  const version = Number.parseInt(versionHex, 16);
  if (version === 0 && header.length !== VERSION_00_LENGTH) return undefined;
  if (header.length > VERSION_00_LENGTH && header[VERSION_00_LENGTH] !== '-') return undefined;
  if (header[2] !== '-' || header[35] !== '-' || header[52] !== '-') return undefined;
  const traceId = header.slice(3, 35);
  const spanId = header.slice(36, 52);
  const flagsHex = header.slice(53, 55);
  if (!isValidTraceId(traceId) || !isValidSpanId(spanId) || !HEX2.test(flagsHex)) {
    return undefined;
  }
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
