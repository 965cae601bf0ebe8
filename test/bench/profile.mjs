// Where a variant's instructions and instruction-cache misses go, function by function:
// section 2d's drive (in-process.mjs) under callgrind's cache and branch simulation, V8's
// compiled code named from its perf map (node --perf-basic-prof). A tool for finding what
// to make cheaper, not a benchmark: costs are a model of this machine's caches, per request
// of the counted window (its fixed part included), each function's own (self) cost.
//   node test/bench/profile.mjs <framework:variant> [--against <framework:variant>]
//        [--requests 4000] [--warm 8000] [--top 40]
// With --against, both run side by side and the rows are the differences, largest first:
// what the first variant runs that the second does not. It found the four slow paths
// 66cd273 took out of core's request lifecycle (a getter call per read of `process`, runtime
// string compares, a builtin lastIndexOf, the OTel API's propagator lookup).
import { readFileSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { callgrindAvailable, callgrindRun } from './instructions.mjs';
import { fmt, table } from './stats.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    against: { type: 'string' },
    requests: { type: 'string', default: '4000' },
    warm: { type: 'string', default: '8000' },
    top: { type: 'string', default: '40' },
  },
});
const count = (name) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`profile: --${name} must be a whole number`);
  return n;
};
const [variant] = positionals;
if (variant === undefined || !variant.includes(':')) {
  console.error('usage: node test/bench/profile.mjs <framework:variant> [--against <variant>]');
  process.exit(2);
}
if (!callgrindAvailable()) {
  console.error('profile: needs valgrind (and callgrind_control)');
  process.exit(2);
}
const requests = count('requests');
const warm = count('warm');
const top = count('top');

/** V8's perf map of process `pid`: [start, size, name], sorted by start. */
function perfMap(pid) {
  const file = `/tmp/perf-${pid}.map`;
  try {
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const [start, size, ...name] = line.split(' ');
        return [Number.parseInt(start, 16), Number.parseInt(size, 16), name.join(' ')];
      })
      .sort((a, b) => a[0] - b[0]);
  } finally {
    rmSync(file, { force: true });
  }
}

function nameAt(map, address) {
  let lo = 0;
  let hi = map.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (map[mid][0] <= address) lo = mid + 1;
    else hi = mid - 1;
  }
  const entry = map[hi];
  return entry !== undefined && address < entry[0] + entry[1] ? entry[2] : '(JIT code)';
}

const EVENTS = [
  ['Ir', 'instructions'],
  ['I1mr', 'I1 misses'],
  ['D1mr', 'D1 read misses'],
  ['Bcm', 'mispredicted'],
];

/**
 * Self cost per function and request, from callgrind's per-instruction output: a cost line
 * under `fn=` is that function's own, except the one after `calls=` (a callee's inclusive
 * cost). Code callgrind cannot name (V8's JIT) is named by the address of the instruction.
 */
function selfCosts(text, pid) {
  const map = perfMap(pid);
  const events = /^events:\s*(.+)$/m.exec(text)?.[1].trim().split(/\s+/) ?? [];
  const columns = EVENTS.map(([event]) => events.indexOf(event));
  const costs = new Map();
  let fn = '';
  let afterCall = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('fn=')) fn = line.slice(3);
    else if (line.startsWith('calls=')) afterCall = true;
    else if (line.startsWith('0x')) {
      if (afterCall) {
        afterCall = false;
        continue;
      }
      const fields = line.split(' ');
      const jit = fn.includes('???') || fn.startsWith('0x');
      const name = jit ? nameAt(map, Number.parseInt(fields[0], 16)) : fn;
      let row = costs.get(name);
      if (row === undefined) {
        row = EVENTS.map(() => 0);
        costs.set(name, row);
      }
      // The cost columns follow the instruction address and the line number.
      columns.forEach((column, i) => {
        if (column !== -1) row[i] += Number(fields[column + 2] ?? 0) / requests;
      });
    }
  }
  return costs;
}

const run = (v) =>
  callgrindRun(v, requests, warm, selfCosts, {
    valgrindArgs: [
      '--cache-sim=yes',
      '--branch-sim=yes',
      '--dump-instr=yes',
      '--compress-pos=no',
      '--compress-strings=no',
    ],
    nodeArgs: ['--perf-basic-prof', '--logfile=/dev/null', '--no-logfile-per-isolate'],
  });

const [a, b] = await Promise.all([
  run(variant),
  values.against === undefined ? undefined : run(values.against),
]);
const zero = EVENTS.map(() => 0);
const names = new Set([...a.keys(), ...(b?.keys() ?? [])]);
const rows = [...names].map((name) => {
  const x = a.get(name) ?? zero;
  const y = b?.get(name) ?? zero;
  return [name, x.map((v, i) => v - y[i])];
});
// Largest first by instruction-cache misses, in either direction for a difference.
rows.sort((p, q) => Math.abs(q[1][1]) - Math.abs(p[1][1]));
const sum = (costs) =>
  [...costs.values()].reduce((total, row) => total.map((t, i) => t + row[i]), zero);
const title =
  b === undefined
    ? `${variant}: self cost per request`
    : `${variant} − ${values.against}: self cost per request, the difference`;
console.log(
  `\n${title} (callgrind's simulation, ${requests} requests after ${warm} of warm-up; JIT code named from V8's perf map: * optimized, ^ baseline, ~ interpreted)\n`,
);
const sumA = sum(a);
const sumB = b === undefined ? undefined : sum(b);
const totals = sumB === undefined ? sumA : sumA.map((v, i) => v - sumB[i]);
console.log(
  table(
    [...EVENTS.map(([, label]) => label), 'function'],
    [
      [...totals.map((v) => fmt(v)), '(all)'],
      ...rows.slice(0, top).map(([name, r]) => [...r.map((v) => fmt(v, 1)), name.slice(0, 100)]),
    ],
  ),
);
