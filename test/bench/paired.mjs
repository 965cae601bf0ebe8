// Two variants compared in warm processes, batch against batch: one in-process.mjs process
// per variant (--batches), both warmed up, then told in turn to run a batch of requests
// (A B, B A, A B, …), so that each pair of batches runs within a few tens of milliseconds
// of each other. The ratio of each pair leaves out the machine's slower swings, which
// between fresh processes (section 2b) reach ±20–40 % on a busy shared VM; several process
// pairs in a row keep one process's lucky or unlucky JIT from deciding the result.
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { median, quantile } from './stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** A warm in-process.mjs process of `variant` that runs a batch when asked. */
function batchProcess(variant, requests, warm, node) {
  const child = spawn(
    node,
    ['in-process.mjs', variant, String(requests), '--batches', String(warm)],
    {
      cwd: here,
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const read = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`paired: ${variant} exited before answering`);
    return value;
  };
  return {
    ready: async () => {
      const line = await read();
      if (line !== 'ready') throw new Error(`paired: ${variant} said ${line}`);
    },
    /** CPU µs per request of one batch. */
    batch: async () => {
      child.stdin.write('\n');
      const value = Number(await read());
      if (!Number.isFinite(value)) throw new Error(`paired: ${variant} gave no number`);
      return value;
    },
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

/**
 * `a` against `b` (framework:variant names of apps.mjs): `pairs` process pairs, each
 * warmed up with `warm` requests and then run for `batches` batches of `requests` each.
 * Returns the median of the per-pair-of-batches ratios a ÷ b, its quartiles, and each
 * variant's median CPU µs per request.
 */
export async function pairedBatches(
  a,
  b,
  { pairs, batches, requests, warm },
  node = process.execPath,
) {
  const ratios = [];
  const as = [];
  const bs = [];
  for (let p = 0; p < pairs; p++) {
    const pa = batchProcess(a, requests, warm, node);
    const pb = batchProcess(b, requests, warm, node);
    try {
      // Warmed up one after the other: two warm-ups at once would share the two cores.
      await pa.ready();
      await pb.ready();
      for (let i = 0; i < batches; i++) {
        // The order alternates (A B, B A, …): neither always runs right after the other.
        let x;
        let y;
        if (i % 2 === 0) {
          x = await pa.batch();
          y = await pb.batch();
        } else {
          y = await pb.batch();
          x = await pa.batch();
        }
        ratios.push(x / y);
        as.push(x);
        bs.push(y);
      }
    } finally {
      await Promise.all([pa.stop(), pb.stop()]);
    }
  }
  return {
    ratio: median(ratios),
    q1: quantile(ratios, 0.25),
    q3: quantile(ratios, 0.75),
    aUs: median(as),
    bUs: median(bs),
    n: ratios.length,
  };
}
