/**
 * The two services with OTLP/HTTP exporters pointed (through the standard
 * OTEL_EXPORTER_OTLP_ENDPOINT) at a small OTLP receiver on 127.0.0.1: spans and logs arrive,
 * gateway and backend spans share each request's trace, and every LogRecord carries the ids
 * of a real span of its own request.
 */
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomTraceparent } from './support/load.js';
import { examples, type Running, startExample, stopExample } from './support/services.js';

interface OtlpValue {
  stringValue?: string;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}

const received: { path: string; body: Record<string, unknown> }[] = [];
let receiver: http.Server;
let endpoint = '';
beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (req.headers['content-type']?.includes('json'))
        received.push({ path: req.url ?? '', body: JSON.parse(body) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

const attr = (attributes: OtlpAttribute[] | undefined, key: string) =>
  attributes?.find((a) => a.key === key)?.value.stringValue;

describe('two services exporting over OTLP/HTTP', () => {
  it('spans and logs arrive, and their ids agree', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracebridge-otlp-'));
    const cwd = join(examples, 'two-services');
    const otel = ['--require', join(examples, 'otel-sdk', 'otel.cjs')];
    const common = { WIRING: 'tracebridge', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint };
    const services: Running[] = [];
    const sent = new Map<string, string>();
    try {
      const backend = await startExample(
        [...otel, 'backend.cjs'],
        { ...common, OTEL_SERVICE_NAME: 'backend', LOG_FILE: join(dir, 'backend.jsonl') },
        cwd,
      );
      services.push(backend);
      const gateway = await startExample(
        [...otel, 'gateway.cjs'],
        {
          ...common,
          OTEL_SERVICE_NAME: 'gateway',
          LOG_FILE: join(dir, 'gateway.jsonl'),
          BACKEND_URL: `http://127.0.0.1:${backend.port}`,
        },
        cwd,
      );
      services.push(gateway);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
      await Promise.all(
        Array.from({ length: 40 }, (_, n) => {
          const { traceId, header } = randomTraceparent();
          sent.set(`otlp-${n}`, traceId);
          const path = n % 4 === 3 ? `/orders/${n}/stream` : `/orders/${n}`;
          return new Promise<void>((resolve, reject) => {
            http
              .get(
                {
                  host: '127.0.0.1',
                  port: gateway.port,
                  path,
                  agent,
                  headers: { traceparent: header, 'x-demo-request': `otlp-${n}` },
                },
                (res) => {
                  expect(res.statusCode).toBe(200);
                  res.resume().on('end', () => resolve());
                },
              )
              .on('error', reject);
          });
        }),
      );
      agent.destroy();
    } finally {
      // SIGTERM: the services flush their batch processors to the receiver, then exit.
      await Promise.all(services.map(stopExample));
    }

    const spans: { service: string; traceId: string; spanId: string }[] = [];
    const records: {
      service: string;
      traceId: string;
      spanId: string;
      demo: string | undefined;
    }[] = [];
    for (const { path, body } of received) {
      if (path === '/v1/traces') {
        for (const rs of body.resourceSpans as {
          resource: { attributes: OtlpAttribute[] };
          scopeSpans: { spans: { traceId: string; spanId: string }[] }[];
        }[]) {
          const service = attr(rs.resource.attributes, 'service.name') ?? '';
          for (const ss of rs.scopeSpans)
            for (const s of ss.spans) spans.push({ service, traceId: s.traceId, spanId: s.spanId });
        }
      }
      if (path === '/v1/logs') {
        for (const rl of body.resourceLogs as {
          resource: { attributes: OtlpAttribute[] };
          scopeLogs: {
            logRecords: { traceId: string; spanId: string; attributes: OtlpAttribute[] }[];
          }[];
        }[]) {
          const service = attr(rl.resource.attributes, 'service.name') ?? '';
          for (const sl of rl.scopeLogs) {
            for (const r of sl.logRecords)
              records.push({
                service,
                traceId: r.traceId,
                spanId: r.spanId,
                demo: attr(r.attributes, 'demo_request'),
              });
          }
        }
      }
    }
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['gateway', 'backend']));
    // Gateway and backend spans share each request's trace: the caller's, continued.
    for (const traceId of sent.values()) {
      const services = new Set(spans.filter((s) => s.traceId === traceId).map((s) => s.service));
      expect(services).toEqual(new Set(['gateway', 'backend']));
    }
    const spanKeys = new Set(spans.map((s) => `${s.traceId}/${s.spanId}`));
    const demoRecords = records.filter((r) => r.demo !== undefined);
    expect(new Set(demoRecords.map((r) => r.service))).toEqual(new Set(['gateway', 'backend']));
    expect(demoRecords.length).toBeGreaterThan(40 * 5);
    for (const record of demoRecords) {
      expect(record.traceId).toBe(sent.get(String(record.demo)));
      expect(spanKeys.has(`${record.traceId}/${record.spanId}`), JSON.stringify(record)).toBe(true);
    }
  });
});
