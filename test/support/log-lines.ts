import { expect } from 'vitest';
import { Probes } from './probes.js';

/** Where lines were kept: Winston's MemoryTransport or a PinoMemory destination. */
export interface LineSource {
  readonly records: Record<PropertyKey, unknown>[];
  lines(): Record<string, unknown>[];
  /** Whether every record written so far has arrived. */
  idle?(): boolean;
}

/** A request line: the one with the URL (an error line has none; an aborted request's line
 * may have no status). */
function isRequestLine(line: Record<PropertyKey, unknown>): boolean {
  return line['url.path'] !== undefined;
}

/** JSON lines, split into user lines (with `case`) and request lines (with a status). */
export function readLines(transport: LineSource) {
  const lines = transport.lines();
  const user = new Probes();
  const requests = new Map<string, Record<string, unknown>[]>();
  for (const line of lines) {
    if (typeof line.case === 'string')
      user.record(line.case, String(line.expected), line.trace_id as string | undefined);
    if (isRequestLine(line)) {
      const key = String(line.expected);
      requests.set(key, [...(requests.get(key) ?? []), line]);
    }
  }
  return { lines, user, requests };
}

/**
 * Waits (bounded) until `count` request lines are in; then, with `close`, closes the server
 * — every request has ended and every late callback has run once it resolves — and waits
 * until every record written has reached the transport. Nothing that can still come is
 * missed, and nothing is waited for on a timer.
 */
export async function settleLines(
  transport: LineSource,
  count: number,
  close?: () => Promise<void>,
  maxMs = 15_000,
): Promise<void> {
  const until = Date.now() + maxMs;
  const requests = () => transport.records.filter((r) => r['url.path'] !== undefined).length;
  const wait = async (done: () => boolean) => {
    while (!done() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  await wait(() => requests() >= count);
  if (close !== undefined) await close();
  await wait(() => transport.idle?.() ?? true);
}

/** Exactly one request line per request, each with its own trace id. */
export function expectOneRequestLineEach(
  requests: Map<string, Record<string, unknown>[]>,
  count: number,
) {
  expect(requests.size, 'requests with a line').toBe(count);
  const duplicated = [...requests.values()].filter((list) => list.length !== 1).length;
  const wrong = [...requests].filter(([expected, list]) =>
    list.some((l) => l.trace_id !== expected),
  ).length;
  expect({ duplicated, wrong }).toEqual({ duplicated: 0, wrong: 0 });
}
