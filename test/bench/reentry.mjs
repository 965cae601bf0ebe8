// Re-entry cost on the Node.js line this process runs on, mechanisms interleaved:
//   node reentry.mjs <binds> <calls> <rounds>   → prints {"node", "als", "samples"}
// Per bind: making a function that will run in a captured context. Per call: calling it
// from a foreign context (the store must be replaced, not only filled in).
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const core = require('@tracebridge/core');
const [binds, calls, rounds] = process.argv.slice(2).map(Number);

const als = new AsyncLocalStorage();
const store = { traceId: 'a' };
const foreign = { traceId: 'b' };
const ctx = core.newTraceContext();
let sink = 0;
const fn = () => {
  sink++;
};

/** Each mechanism: make(fn) → bound, created inside the context to capture. */
const mechanisms = {
  'tracebridge bind()': () => core.bind(fn, ctx),
  'tracebridge bound listener': (() => {
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    core.bindEmitter(emitter, ctx);
    return () => {
      emitter.on('x', fn);
      const raw = emitter.rawListeners('x').at(-1);
      emitter.removeAllListeners('x');
      return raw;
    };
  })(),
  'AsyncResource.bind': () => AsyncResource.bind(fn),
  'AsyncLocalStorage.bind': () => AsyncLocalStorage.bind(fn),
  'AsyncLocalStorage.snapshot()': () => {
    const snapshot = AsyncLocalStorage.snapshot();
    return () => snapshot(fn);
  },
  'closure calling als.run': () => () => als.run(store, fn),
  'one AsyncResource per context, runInAsyncScope': (() => {
    const resource = als.run(store, () => new AsyncResource('bench'));
    return () => () => resource.runInAsyncScope(fn);
  })(),
};

function timeCpu(n, body) {
  const start = process.cpuUsage();
  body(n);
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / n;
}

const samples = Object.fromEntries(Object.keys(mechanisms).map((m) => [m, { bind: [], call: [] }]));
for (let r = -1; r < rounds; r++) {
  for (const [name, make] of Object.entries(mechanisms)) {
    const perBind = als.run(store, () =>
      core.run(ctx, () =>
        timeCpu(binds, (n) => {
          for (let i = 0; i < n; i++) make();
        }),
      ),
    );
    const bound = als.run(store, () => core.run(ctx, () => make()));
    const perCall = als.run(foreign, () =>
      timeCpu(calls, (n) => {
        for (let i = 0; i < n; i++) bound();
      }),
    );
    if (r >= 0) {
      samples[name].bind.push(perBind);
      samples[name].call.push(perCall);
    }
  }
}
const alsKind = /AsyncContextFrame/.test(AsyncLocalStorage.toString())
  ? 'AsyncContextFrame'
  : 'async_hooks';
process.stdout.write(
  `${JSON.stringify({ node: process.version, als: alsKind, samples, sink: sink > 0 })}\n`,
);
