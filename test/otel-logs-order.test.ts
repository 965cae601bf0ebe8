/**
 * LogRecords reach the OpenTelemetry Logs SDK exactly once, with the ids of the span each
 * record was written in, whatever the order in which winston and the SDK are loaded — and
 * a logger that would export twice says so. Each order runs in a process of its own
 * (Node's module cache decides what @opentelemetry/instrumentation-winston can patch).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, 'support', 'otel-logs-order.cjs');

function run(order: string): { records: number; matching: number; warnings: string[] } {
  const out = execFileSync(process.execPath, [script, order], {
    cwd: import.meta.dirname,
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1) as string);
}

describe('createLogger({ otelLogs: true }) and the order of imports', () => {
  it('winston loaded before the SDK: instrumentation-winston alone exports nothing', () => {
    expect(run('winston-first-plain')).toMatchObject({ records: 0 });
  });

  it('winston loaded before the SDK, otelLogs: every record exported once, with its span ids', () => {
    expect(run('winston-first')).toEqual({ records: 50, matching: 50, warnings: [] });
  });

  it("SDK first, instrumentation-winston's transport there already: still once", () => {
    expect(run('sdk-first')).toEqual({ records: 50, matching: 50, warnings: [] });
  });

  it('an OpenTelemetryTransportV3 added by hand beside the instrumentation: a warning naming the fix', () => {
    const result = run('by-hand');
    expect(result.records).toBe(100);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(
      /2 OpenTelemetryTransportV3.*otelLogs: true.*disableLogSending/s,
    );
  });
});
