'use strict';
// The backend's shared resources, whichever framework serves it: a connection pool that the
// first request creates (its callbacks then run in that request's context) and a
// process-wide timer queue (its jobs run in no request's context).

let pool;
/** The pool, made by the first request that asks for it. */
function db() {
  if (pool === undefined) {
    const pending = [];
    setInterval(() => {
      for (const cb of pending.splice(0)) cb();
    }, 3);
    pool = { query: (cb) => pending.push(cb) };
  }
  return pool;
}

const ticks = [];
setInterval(() => {
  for (const job of ticks.splice(0)) job();
}, 2);

module.exports = { db, ticks };
