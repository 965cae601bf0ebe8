'use strict';
// The backend's shared resources, whichever framework serves it — both shared event
// emitters, as drivers and buses are: a connection pool that the first request creates (its
// events then fire in that request's context) and a process-wide timer that ticks the
// streamed bodies along (its events fire in no request's context).
const { EventEmitter } = require('node:events');

let pool;
/** The pool, made by the first request that asks for it: `query(cb)` calls `cb` when the
 * pool emits its result. */
function db() {
  if (pool === undefined) {
    const results = new EventEmitter().setMaxListeners(0);
    const queued = [];
    let next = 0;
    setInterval(() => {
      for (const id of queued.splice(0)) results.emit(`result:${id}`);
    }, 3);
    pool = {
      query(cb) {
        const id = next++;
        results.once(`result:${id}`, cb);
        queued.push(id);
      },
    };
  }
  return pool;
}

/** `ticks.push(job)` runs `job` on the next tick of the process-wide timer. */
const clock = new EventEmitter().setMaxListeners(0);
setInterval(() => clock.emit('tick'), 2);
const ticks = { push: (job) => clock.once('tick', job) };

module.exports = { db, ticks };
