// Heap after binding many emitters (with a listener each) and dropping them, vs before:
//   node --expose-gc emitters.mjs <count>   → prints {"before", "after", "peak"}
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

const core = createRequire(import.meta.url)('@tracebridge/core');
const count = Number(process.argv[2]);
const heap = () => {
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};
function churn(n) {
  let kept = [];
  for (let i = 0; i < n; i++) {
    const ctx = core.newTraceContext();
    const emitter = core.bindEmitter(new EventEmitter(), ctx);
    emitter.on('finish', () => ctx.traceId);
    emitter.emit('finish');
    kept.push(emitter);
    if (kept.length === 1000) kept = [];
  }
  return kept.length;
}
churn(Math.min(count, 10_000)); // warm-up
const before = heap();
churn(count);
const after = heap();
process.stdout.write(`${JSON.stringify({ before, after })}\n`);
