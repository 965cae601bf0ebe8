// Express gives every `req` and `res` its app's prototype (`Object.setPrototypeOf`). In V8
// before 13 (Node 20 and 22), an object whose prototype was swapped is left with a map that
// records no transitions: each property added to it afterwards — by Express's router
// (`req.params`, `req.route`, …), by middleware, by us — copies the object's whole map
// (~2 µs for an IncomingMessage, and an old-generation allocation), and every later property
// access on the object misses V8's inline caches, whose entries are per map. In dictionary
// mode the same additions are hash-table inserts and the accesses hit one shared map.
// Measured on Node 20 (test/bench, `bare+dictionary-mode`): bare Express spends 2–27 % less
// CPU per request with `req`/`res` in dictionary mode, and with tracing() mounted the gain
// pays for tracebridge's own work. On Node 24 and 26 (V8 13+, where the transitions are
// shared again) dictionary mode costs more than it saves, so nothing is done there.
const needed = Number.parseInt(process.versions.v8 ?? '', 10) < 13;

// Deleting a property that is not the last one added is how V8 is told to switch an object
// to dictionary mode; these two exist only for that, and are gone right after.
const kFirst = Symbol('tracebridge.dictionary-mode.first');
const kSecond = Symbol('tracebridge.dictionary-mode.second');

/** Puts an Express request's `req` and `res` into V8's dictionary mode where that is cheaper
 * (see above). Invisible to JavaScript: no property is left behind, none is changed. */
export function toDictionaryMode(req: object, res: object): void {
  if (!needed) return;
  switchMode(req);
  switchMode(res);
}

function switchMode(target: object): void {
  const object = target as Record<symbol, unknown>;
  try {
    object[kFirst] = undefined;
    object[kSecond] = undefined;
    delete object[kFirst];
    delete object[kSecond];
  } catch {
    // A frozen or otherwise guarded object: it stays as it is, which is only slower.
  }
}
