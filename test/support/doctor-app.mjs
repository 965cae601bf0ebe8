// The ESM twin of doctor-app.cjs, run under `--import @tracebridge/core/doctor/register`.
// For test/doctor.test.ts: three "requests" add a listener to a bus made at startup, which
// fires with no request's context (the listener is added on line 12 in both twins).
import { EventEmitter } from 'node:events';
import { newTraceContext, run } from '@tracebridge/core';
import { createLogger } from '@tracebridge/core/winston';
import winstonMemory from './winston-memory.cjs';

const logger = createLogger({ transports: [new winstonMemory.MemoryTransport()] });
const bus = new EventEmitter();
for (let i = 0; i < 3; i++) {
  run(newTraceContext(), () => bus.once('tick', () => logger.info('late')));
}
bus.emit('tick');
