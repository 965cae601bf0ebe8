import tsParser from '@typescript-eslint/parser';
import { RuleTester as RuleTester10 } from 'eslint';
import { RuleTester as RuleTester9 } from 'eslint9';
import { describe, it } from 'vitest';
import { noLateContextRead } from './no-late-context-read.js';

// The peer range's two majors: every case runs under ESLint 10 and ESLint 9.
const testers = [
  ['ESLint 10', RuleTester10],
  ['ESLint 9', RuleTester9 as unknown as typeof RuleTester10],
] as const;
for (const [, Tester] of testers) {
  Tester.describe = describe;
  Tester.it = it;
  Tester.itOnly = it.only;
}

for (const [major, Tester] of testers) {
  describe(major, () => {
    const tester = new Tester({
      languageOptions: { ecmaVersion: 2024, sourceType: 'module' },
    });

    const tracebridge =
      "import { bind, bindEmitter, capture, current, run } from '@tracebridge/core';\n";
    const otel = "import { context, trace } from '@opentelemetry/api';\n";

    /** One report of `read` under `registration`. */
    const lateRead = (
      read: string,
      registration: string,
      suggestions?: RuleTester10.SuggestionOutput[],
    ) => ({
      messageId: 'lateRead' as const,
      data: { read, registration },
      ...(suggestions !== undefined && { suggestions }),
    });

    // The problem this project exists for, as people write it: a request's store read in a
    // 'finish' listener, which fires in another request's context (or none).
    const seedExample = `
const als = new AsyncLocalStorage();
app.use((req, res, next) => {
  als.run({ traceId: traceIdOf(req) }, () => {
    res.on('finish', () => {
      logger.info('request completed', { traceId: als.getStore()?.traceId });
    });
    next();
  });
});
`;

    tester.run('no-late-context-read', noLateContextRead, {
      valid: [
        // Pattern A: read in the synchronous part, the value used in the callback.
        `
const als = new AsyncLocalStorage();
app.use((req, res, next) => {
  als.run({ traceId: traceIdOf(req) }, () => {
    const store = als.getStore();
    res.on('finish', () => {
      logger.info('request completed', { traceId: store?.traceId });
    });
    next();
  });
});
`,
        // Pattern B: the context rebuilt at the callback's entry.
        `
const als = new AsyncLocalStorage();
app.use((req, res, next) => {
  als.run({ traceId: traceIdOf(req) }, () => {
    const store = als.getStore();
    res.on('finish', () => als.run(store, () => {
      logger.info('request completed', { traceId: als.getStore()?.traceId });
    }));
    next();
  });
});
`,
        // await and .then() keep the context.
        `${tracebridge}
async function handler(req, res) {
  await db.query('select 1');
  logger.info('after await', { traceId: current()?.traceId });
  return fetchThing().then(() => logger.info('in then', { ctx: capture() }));
}
`,
        // bind(), bindEmitter(), snapshot() carry the context.
        `${tracebridge}
res.on('finish', bind(() => logger.info('sent', current())));
bindEmitter(res).on('close', () => logger.info('closed', current()));
emitter.on('x', AsyncLocalStorage.snapshot());
`,
        `${tracebridge}
function handle(req, res) {
  bindEmitter(res);
  res.on('finish', () => logger.info('sent', current()));
}
`,
        // run(ctx, fn) and OpenTelemetry's context.with() enter a context again.
        `${tracebridge}${otel}
const ctx = capture();
const active = context.active();
bus.on('tick', () => run(ctx, () => logger.info('tick', current())));
bus.on('tock', () => context.with(active, () => trace.getActiveSpan()));
`,
        // A current() that is not tracebridge's is not a context read.
        `
const current = () => 42;
res.on('finish', () => current());
`,
        // Timers can be left out.
        {
          code: `${tracebridge}setTimeout(() => current(), 10);`,
          options: [{ timers: false }],
        },
      ],
      invalid: [
        {
          code: seedExample,
          errors: [
            lateRead('als.getStore()', "res.on('finish')", [
              {
                messageId: 'capture',
                data: { name: 'store', read: 'als.getStore()' },
                output: `
const als = new AsyncLocalStorage();
app.use((req, res, next) => {
  als.run({ traceId: traceIdOf(req) }, () => {
    const store = als.getStore();
    res.on('finish', () => {
      logger.info('request completed', { traceId: store?.traceId });
    });
    next();
  });
});
`,
              },
            ]),
          ],
        },
        {
          code: `${tracebridge}
function handler(req, res) {
  req.on('close', () => logger.info('aborted', { trace_id: current()?.traceId }));
}
`,
          errors: [
            lateRead('current()', "req.on('close')", [
              {
                messageId: 'capture',
                data: { name: 'ctx', read: 'current()' },
                output: `${tracebridge}
function handler(req, res) {
  const ctx = current();
  req.on('close', () => logger.info('aborted', { trace_id: ctx?.traceId }));
}
`,
              },
            ]),
          ],
        },
        // A named listener declared elsewhere in the file: reported, no suggestion (where the
        // capture goes is for the author to decide).
        {
          code: `${otel}
function onTick() {
  logger.info('tick', { span: trace.getActiveSpan() });
}
bus.once('tick', onTick);
`,
          errors: [lateRead('trace.getActiveSpan()', "bus.once('tick')", [])],
        },
        // Timers, finished(), addEventListener, a namespace import, require(), nested functions.
        {
          code: `
import * as tb from '@tracebridge/core';
import * as api from '@opentelemetry/api';
setInterval(() => tb.current(), 1000);
finished(res, () => api.context.active());
signal.addEventListener('abort', function () {
  [1, 2].forEach(() => tb.capture());
});
`,
          errors: [
            lateRead('tb.current()', 'setInterval()', [
              {
                messageId: 'capture',
                data: { name: 'ctx', read: 'tb.current()' },
                output: `
import * as tb from '@tracebridge/core';
import * as api from '@opentelemetry/api';
const ctx = tb.current();
setInterval(() => ctx, 1000);
finished(res, () => api.context.active());
signal.addEventListener('abort', function () {
  [1, 2].forEach(() => tb.capture());
});
`,
              },
            ]),
            lateRead('api.context.active()', 'finished()', [
              {
                messageId: 'capture',
                data: { name: 'activeContext', read: 'api.context.active()' },
                output: `
import * as tb from '@tracebridge/core';
import * as api from '@opentelemetry/api';
setInterval(() => tb.current(), 1000);
const activeContext = api.context.active();
finished(res, () => activeContext);
signal.addEventListener('abort', function () {
  [1, 2].forEach(() => tb.capture());
});
`,
              },
            ]),
            lateRead('tb.capture()', "signal.addEventListener('abort')", [
              {
                messageId: 'capture',
                data: { name: 'ctx', read: 'tb.capture()' },
                output: `
import * as tb from '@tracebridge/core';
import * as api from '@opentelemetry/api';
setInterval(() => tb.current(), 1000);
finished(res, () => api.context.active());
const ctx = tb.capture();
signal.addEventListener('abort', function () {
  [1, 2].forEach(() => ctx);
});
`,
              },
            ]),
          ],
        },
        {
          code: `
const { current } = require('@tracebridge/core');
pool.on('result', function () { log(current()); }.bind(this));
`,
          errors: [
            lateRead('current()', "pool.on('result')", [
              {
                messageId: 'capture',
                data: { name: 'ctx', read: 'current()' },
                output: `
const { current } = require('@tracebridge/core');
const ctx = current();
pool.on('result', function () { log(ctx); }.bind(this));
`,
              },
            ]),
          ],
        },
        // The name taken: the capture gets another one. Options add methods and reads.
        {
          code: `${tracebridge}
function handler(ctx) {
  queue.subscribe('done', () => getRequestId());
  res.on('finish', () => current());
}
`,
          options: [{ methods: ['subscribe'], reads: ['getRequestId'] }],
          errors: [
            lateRead('getRequestId()', "queue.subscribe('done')", [
              {
                messageId: 'capture',
                data: { name: 'ctx2', read: 'getRequestId()' },
                output: `${tracebridge}
function handler(ctx) {
  const ctx2 = getRequestId();
  queue.subscribe('done', () => ctx2);
  res.on('finish', () => current());
}
`,
              },
            ]),
            lateRead('current()', "res.on('finish')", [
              {
                messageId: 'capture',
                data: { name: 'ctx2', read: 'current()' },
                output: `${tracebridge}
function handler(ctx) {
  queue.subscribe('done', () => getRequestId());
  const ctx2 = current();
  res.on('finish', () => ctx2);
}
`,
              },
            ]),
          ],
        },
      ],
    });

    // The same rule through typescript-eslint's parser.
    const tsTester = new Tester({ languageOptions: { parser: tsParser } });

    tsTester.run('no-late-context-read (TypeScript)', noLateContextRead, {
      valid: [
        `${tracebridge}
const ctx: TraceContext | undefined = current();
res.on('finish', (): void => logger.info('sent', { traceId: ctx?.traceId }));
`,
      ],
      invalid: [
        {
          code: `${tracebridge}
export function handler(req: Request, res: Response): void {
  res.on('finish', ((): void => {
    logger.info('sent', { traceId: current()!.traceId });
  }) as Listener);
}
`,
          errors: [
            lateRead('current()', "res.on('finish')", [
              {
                messageId: 'capture',
                data: { name: 'ctx', read: 'current()' },
                output: `${tracebridge}
export function handler(req: Request, res: Response): void {
  const ctx = current();
  res.on('finish', ((): void => {
    logger.info('sent', { traceId: ctx!.traceId });
  }) as Listener);
}
`,
              },
            ]),
          ],
        },
      ],
    });
  });
}
