/**
 * The load tests' random delays: different on every run, replayable. The seed is printed
 * once per test file; set TRACEBRIDGE_SEED to it to run the same delays again.
 */
const envSeed = process.env.TRACEBRIDGE_SEED;
export const seed =
  envSeed !== undefined && envSeed !== ''
    ? Number(envSeed) >>> 0
    : (Date.now() ^ process.pid) >>> 0;
console.log(`random delays: TRACEBRIDGE_SEED=${seed}`);

let state = seed;

/** A number in [0, 1) from a mulberry32 sequence seeded with {@link seed}. */
export function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
