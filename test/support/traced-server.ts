import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Span, Tracer } from '@opentelemetry/api';
import { expect } from 'vitest';
import { concurrentRequests } from './load.js';

export interface TracedServerOptions {
  tracer: Tracer;
  lifecycle: { handle<R>(req: IncomingMessage, res: ServerResponse, fn: () => R): R };
  /** How the shared pool runs its callbacks (default: as they are). */
  poolRuns?: (drain: () => void) => void;
  /** The handler, inside the request's span and context; `defer` queues work on the pool. */
  onRequest(
    req: IncomingMessage,
    res: ServerResponse,
    span: Span,
    defer: (cb: () => void) => void,
  ): void;
  requests: number;
}

/** A server whose every request runs in an OTel span and a tracebridge request context,
 * with a process-wide pool that answers later; drives `requests` concurrent requests. */
export async function driveTracedServer(options: TracedServerOptions): Promise<void> {
  const pending: (() => void)[] = [];
  const drain = () => {
    for (const cb of pending.splice(0)) cb();
  };
  const pool = setInterval(() => (options.poolRuns ?? ((d) => d()))(drain), 2);
  const server = http.createServer((req, res) =>
    options.tracer.startActiveSpan('request', (span) =>
      options.lifecycle.handle(req, res, () =>
        options.onRequest(req, res, span, (cb) => pending.push(cb)),
      ),
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    expect(await concurrentRequests(port, options.requests, true)).toBe(options.requests);
  } finally {
    clearInterval(pool);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

interface ExportedRecord {
  attributes: Record<string, unknown>;
  spanContext?: { traceId: string; spanId: string } | undefined;
}

/** Every exported LogRecord matches its JSON line (by `seq`) and carries no id attribute. */
export function expectRecordsMatchLines(
  records: readonly ExportedRecord[],
  lines: Record<string, unknown>[],
) {
  expect(records).toHaveLength(lines.length);
  const bySeq = new Map(lines.map((line) => [line.seq, line]));
  for (const record of records) {
    const line = bySeq.get(record.attributes.seq);
    expect(line, `no JSON line for seq ${String(record.attributes.seq)}`).toBeDefined();
    expect(record.spanContext?.traceId).toBe(line?.trace_id);
    expect(record.spanContext?.spanId).toBe(line?.span_id);
    for (const key of ['trace_id', 'span_id', 'trace_flags'])
      expect(record.attributes[key]).toBeUndefined();
  }
}
