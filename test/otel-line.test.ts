/** Which OpenTelemetry JS line the OTel suites of this project run against. */
import { describe, expect, it } from 'vitest';
import { otelSdkMajor } from './support/otel.js';

describe('OpenTelemetry line', () => {
  it('is the one this vitest project asked for (2.x by default, 3.x on its own project)', () => {
    console.log(`OpenTelemetry SDK ${otelSdkMajor}.x on Node ${process.version}`);
    expect(otelSdkMajor).toBe(Number(process.env.TRACEBRIDGE_EXPECT_OTEL ?? 2));
  });
});
