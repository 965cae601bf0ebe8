// Small statistics for the benchmarks: medians and spread over interleaved rounds.
export function median(values) {
  return quantile(values, 0.5);
}

/** The value at fraction `f` (0–1) of the sorted values, interpolated between neighbours. */
export function quantile(values, f) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = f * (sorted.length - 1);
  const low = Math.floor(at);
  const high = Math.min(low + 1, sorted.length - 1);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

/**
 * The median of the per-round ratios a[i] / b[i]: samples of one round ran next to each
 * other, so each ratio is free of the slower drifts of a shared machine's load.
 */
export function pairedRatio(a, b) {
  const n = Math.min(a.length, b.length);
  return median(Array.from({ length: n }, (_, i) => a[i] / b[i]));
}

/**
 * Times `calls` calls of `call(variant)` per sample, the variants taking turns (a different
 * one first each round: no variant always follows the same one), after one warm-up sample
 * each, which `check(name, variant)` then inspects. Returns {name: [ns per call, …]}.
 */
export function takeTurns(variants, { calls, rounds, call, check }) {
  const entries = Object.entries(variants);
  const result = Object.fromEntries(entries.map(([name]) => [name, []]));
  const sample = (variant) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) call(variant);
    return Number(process.hrtime.bigint() - start) / calls;
  };
  for (const [name, variant] of entries) {
    sample(variant);
    check(name, variant);
  }
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < entries.length; k++) {
      const [name, variant] = entries[(round + k) % entries.length];
      result[name].push(sample(variant));
    }
  }
  return result;
}

/** Relative spread: (max - min) / median, as a percentage. */
export function spread(values) {
  if (values.length < 2) return 0;
  const m = median(values);
  return m === 0 ? 0 : ((Math.max(...values) - Math.min(...values)) / m) * 100;
}

export function fmt(n, digits = 0) {
  return Number.isFinite(n) ? n.toFixed(digits) : '—';
}

/** Prints rows as an aligned table. */
export function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
