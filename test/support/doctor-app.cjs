'use strict';
// For test/doctor.test.ts: three "requests" add a listener to a bus made at startup, which
// fires with no request's context — run under `--require @tracebridge/core/doctor/register`.
const { EventEmitter } = require('node:events');
const { newTraceContext, run } = require('@tracebridge/core');
const { createLogger } = require('@tracebridge/core/winston');
const { MemoryTransport } = require('./winston-memory.cjs');

const logger = createLogger({ transports: [new MemoryTransport()] });
const bus = new EventEmitter();
for (let i = 0; i < 3; i++) {
  run(newTraceContext(), () => bus.once('tick', () => logger.info('late')));
}
bus.emit('tick');
