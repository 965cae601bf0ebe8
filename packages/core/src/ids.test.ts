import { describe, expect, it } from 'vitest';
import { isValidSpanId, isValidTraceId, randomSpanId, randomTraceId } from './ids.js';

describe('random ids', () => {
  it('are valid, lowercase hex, and do not repeat across many draws (pool refills included)', () => {
    const traces = new Set<string>();
    const spans = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const t = randomTraceId();
      const s = randomSpanId();
      expect(isValidTraceId(t)).toBe(true);
      expect(isValidSpanId(s)).toBe(true);
      traces.add(t);
      spans.add(s);
    }
    expect(traces.size).toBe(5000);
    expect(spans.size).toBe(5000);
  });

  it('validators refuse zero, uppercase, wrong length and non-strings', () => {
    expect(isValidTraceId('0'.repeat(32))).toBe(false);
    expect(isValidTraceId('A'.repeat(32))).toBe(false);
    expect(isValidSpanId('a'.repeat(15))).toBe(false);
    expect(isValidSpanId(12)).toBe(false);
    // The length is checked apart from the characters: one short, one long, empty.
    for (const length of [0, 31, 33, 64]) expect(isValidTraceId('a'.repeat(length))).toBe(false);
    for (const length of [0, 15, 17, 32]) expect(isValidSpanId('b'.repeat(length))).toBe(false);
    expect(isValidTraceId('a'.repeat(32))).toBe(true);
    expect(isValidSpanId('b'.repeat(16))).toBe(true);
    // One character past lowercase hex, anywhere, or a line break after valid ids.
    for (const bad of ['g', 'G', '-', ' ', '\n', '\u0130']) {
      expect(isValidTraceId(`${'a'.repeat(31)}${bad}`)).toBe(false);
      expect(isValidTraceId(`${bad}${'a'.repeat(31)}`)).toBe(false);
      expect(isValidSpanId(`${'b'.repeat(8)}${bad}${'b'.repeat(7)}`)).toBe(false);
    }
    expect(isValidTraceId(`${'a'.repeat(32)}\n`)).toBe(false);
  });
});
