// Instructions per request, counted by valgrind's callgrind: the same in-process drive as
// section 2b (in-process.mjs), one process per variant, counters zeroed after the warm-up.
// Instruction counts do not move with the machine's other tenants the way CPU time does
// (±20–40 % between samples on a busy shared VM, ±1–3 % here), at the price of ~50× the run
// time; they count instructions, not cache misses or stalls, so they complement CPU time
// rather than replace it. V8 runs single-threaded with fixed seeds, so that compilation and
// GC happen on the counted thread at the same points from run to run.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let runs = 0;

/** Whether valgrind (and its callgrind_control) can be run here. */
export function callgrindAvailable() {
  return (
    spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0 &&
    spawnSync('callgrind_control', ['--version'], { stdio: 'ignore' }).status === 0
  );
}

/**
 * Runs `variant` under callgrind, counting only `requests` requests after `warm` of warm-up,
 * and calls `read(text)` with callgrind's output for them (the file is removed afterwards).
 * `valgrindArgs` and `nodeArgs` add options (profile.mjs: per-instruction costs and V8's
 * perf map).
 */
export function callgrindRun(
  variant,
  requests,
  warm,
  read,
  { node = process.execPath, valgrindArgs = [], nodeArgs = [] } = {},
) {
  const out = join(tmpdir(), `tracebridge-callgrind-${process.pid}-${runs++}.out`);
  return new Promise((resolve, reject) => {
    const child = spawn(
      'valgrind',
      [
        '--tool=callgrind',
        `--callgrind-out-file=${out}`,
        ...valgrindArgs,
        node,
        '--single-threaded',
        '--hash-seed=1',
        '--random-seed=1',
        '--no-memory-reducer',
        '--no-flush-bytecode',
        ...nodeArgs,
        join(here, 'in-process.mjs'),
        variant,
        String(requests),
        '1',
        '--pause',
        String(warm),
      ],
      { cwd: here, stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let err = '';
    const control = (flag) => {
      const r = spawnSync('callgrind_control', [flag, String(child.pid)], { encoding: 'utf8' });
      if (r.status === 0) return true;
      child.kill();
      reject(new Error(`callgrind_control ${flag} failed: ${r.stderr}`));
      return false;
    };
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      err += chunk;
      // Counted: the measured requests only — zeroed after the warm-up (start-up, loading,
      // most of the JIT), dumped before the exit (heap teardown).
      if (chunk.includes('in-process: warm') && control('-z')) child.stdin.write('go\n');
      if (chunk.includes('in-process: measured') && control('-d')) child.stdin.end('go\n');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`callgrind run of ${variant} exited ${code}\n${err}`);
        resolve(read(readFileSync(`${out}.1`, 'utf8'), child.pid));
      } catch (error) {
        reject(error);
      } finally {
        rmSync(out, { force: true });
        rmSync(`${out}.1`, { force: true });
      }
    });
  });
}

/** What callgrind counted over `requests` requests of `variant` after `warm` of warm-up:
 * `{Ir}` (instructions), and with `simulate` its cache and branch-predictor simulation's
 * events too (`I1mr`, `D1mr`, `D1mw`, `ILmr`, `DLmr`, `DLmw`, `Bc`, `Bcm`, `Bi`, `Bim`). */
function countedRun(variant, requests, warm, node, simulate = false) {
  return callgrindRun(variant, requests, warm, totals, {
    node,
    valgrindArgs: simulate ? ['--cache-sim=yes', '--branch-sim=yes'] : [],
  });
}

/** The totals of a callgrind output, by event name. */
function totals(text) {
  const names = /^events:\s*(.+)$/m.exec(text);
  const total = /^(?:summary|totals):\s*(.+)$/m.exec(text);
  if (names === null || total === null) throw new Error('callgrind: no totals in its output');
  const values = total[1].trim().split(/\s+/).map(Number);
  return Object.fromEntries(
    names[1]
      .trim()
      .split(/\s+/)
      .map((name, i) => [name, values[i] ?? 0]),
  );
}

/**
 * Instructions per request of `variant`: the slope between a run of `short` and one of
 * `long` measured requests after the same warm-up (the two run side by side). What a
 * counted window holds besides its requests — the pause around it, a GC its start happens
 * to set off — is the same in both and drops out.
 */
export async function instructionsPerRequest(variant, plan, node = process.execPath) {
  return (await perRequest(variant, plan, node, false)).Ir;
}

/** Every event callgrind counted, per request: the slope between the two runs, side by side. */
async function perRequest(variant, { short, long, warm }, node, simulate) {
  const [a, b] = await Promise.all([
    countedRun(variant, short, warm, node, simulate),
    countedRun(variant, long, warm, node, simulate),
  ]);
  return Object.fromEntries(
    Object.keys(b).map((name) => [name, (b[name] - (a[name] ?? 0)) / (long - short)]),
  );
}

/**
 * Per request, as instructionsPerRequest's slope: instructions, and what valgrind's cache and
 * branch simulation counts beside them — first-level instruction- and data-cache misses,
 * last-level misses, mispredicted branches. A model of this machine's caches, not the
 * machine: what it says is where one variant runs more distinct code or touches more memory
 * than another, which instruction counts alone do not show.
 */
export async function simulatedPerRequest(variant, plan, node = process.execPath) {
  const counted = await perRequest(variant, plan, node, true);
  const per = (name) => counted[name] ?? 0;
  return {
    instructions: per('Ir'),
    instructionCacheMisses: per('I1mr'),
    dataCacheMisses: per('D1mr') + per('D1mw'),
    lastLevelMisses: per('ILmr') + per('DLmr') + per('DLmw'),
    mispredictedBranches: per('Bcm') + per('Bim'),
  };
}
