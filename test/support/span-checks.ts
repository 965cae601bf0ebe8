import { expect } from 'vitest';

interface FinishedSpan {
  kind: number;
  spanContext(): { traceId: string; spanId: string };
}

const SERVER = 1; // SpanKind.SERVER

/**
 * The checks the framework + OTel SDK suites share: one server span per request; each
 * request line carries its request's trace id and its server span's id; every other line a
 * real exported span of its own trace.
 */
export function expectLinesOnSpans(
  spans: readonly FinishedSpan[],
  requests: Map<string, Record<string, unknown>[]>,
  lines: Record<string, unknown>[],
  count: number,
): void {
  const serverSpans = new Map(
    spans
      .filter((s) => s.kind === SERVER)
      .map((s) => [s.spanContext().traceId, s.spanContext().spanId]),
  );
  const spansOfTrace = new Map<string, Set<string>>();
  for (const s of spans) {
    const { traceId, spanId } = s.spanContext();
    const set = spansOfTrace.get(traceId) ?? new Set();
    set.add(spanId);
    spansOfTrace.set(traceId, set);
  }
  expect(serverSpans.size).toBe(count);
  expect(requests.size).toBe(count);
  for (const [expected, [line]] of requests) {
    // The SDK continued the caller's trace: W3C ids in, the server span's ids in the log.
    expect(line?.trace_id).toBe(expected);
    expect(line?.span_id).toBe(serverSpans.get(expected));
  }
  for (const line of lines) {
    expect(
      spansOfTrace.get(String(line.trace_id))?.has(String(line.span_id)),
      JSON.stringify(line),
    ).toBe(true);
  }
}
