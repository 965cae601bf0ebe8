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
const DASH = 0x2d;
// Leading and trailing optional white space (SP / HTAB) that HTTP allows around a value.
const OWS = /^[ \t]+|[ \t]+$/g;
// The four fields of a version-00 value, lowercase hex between dashes, once the dashes are
// known to sit at 2, 35 and 52 (which fixes every field's length), neither id all zeros.
// `+` rather than counted repetitions: V8's compiled expression then costs about half as
// much per character, and one test of the value costs less than a check per character in
// JavaScript (~30 instructions per charCodeAt). The all-zero ids are refused by the
// lookaheads, which stop at an id's first non-zero digit: comparing a slice of the header
// with a string of zeros is a call into V8's runtime (~110 instructions each, Node 20).
const HEX_FIELDS = /^[0-9a-f]+-(?!0+-)[0-9a-f]+-(?!0+-)[0-9a-f]+-[0-9a-f]+$/;

/** The value of a char code known to be a lowercase hex digit. */
function hexValue(code: number): number {
  return code <= 0x39 ? code - 0x30 : code - 0x57;
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

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
  if (value.length > 512 || value.length === 0) return undefined;
  const header =
    isOws(value.charCodeAt(0)) || isOws(value.charCodeAt(value.length - 1))
      ? value.replace(OWS, '')
      : value;
  const length = header.length;
  if (length < VERSION_00_LENGTH) return undefined;
  if (
    header.charCodeAt(2) !== DASH ||
    header.charCodeAt(35) !== DASH ||
    header.charCodeAt(52) !== DASH ||
    !HEX_FIELDS.test(length === VERSION_00_LENGTH ? header : header.slice(0, VERSION_00_LENGTH))
  ) {
    return undefined;
  }
  const version = hexValue(header.charCodeAt(0)) * 16 + hexValue(header.charCodeAt(1));
  if (version === 0xff) return undefined;
  if (version === 0 && length !== VERSION_00_LENGTH) return undefined;
  if (length > VERSION_00_LENGTH && header.charCodeAt(VERSION_00_LENGTH) !== DASH) return undefined;
  const traceId = header.slice(3, 35);
  const spanId = header.slice(36, 52);
  const traceFlags = hexValue(header.charCodeAt(53)) * 16 + hexValue(header.charCodeAt(54));
  return { version, traceId, spanId, traceFlags };
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
