// Run with --expose-gc: how many heap bytes each kept id holds on to, when an app keeps one
// id in every `stride` it draws (say, the trace ids of failed requests in a ring buffer).
import { randomSpanId, randomTraceId } from '@tracebridge/core';

const KEPT = 2000;
const stride = Number(process.argv[2] ?? 400);

function heapAfterGc() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

function draw(count, keep) {
  for (let i = 0; i < count; i++) {
    const id = i % 2 === 0 ? randomTraceId() : randomSpanId();
    if (i % stride === 0) keep(i / stride, id);
  }
}

// Once to warm up (compiled code, the block of random bytes), then measured.
draw(KEPT * stride, () => undefined);
const kept = new Array(KEPT).fill('');
const before = heapAfterGc();
draw(KEPT * stride, (index, id) => {
  kept[index] = id;
});
const after = heapAfterGc();
console.log(
  JSON.stringify({ kept: KEPT, stride, bytesPerId: (after - before) / KEPT, sample: kept[1] }),
);
