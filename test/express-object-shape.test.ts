/**
 * Express swaps the prototype of every `req`/`res`; on V8 before 13 (Node 20, 22) that makes
 * each later property addition copy the object's map. tracing() puts both objects into
 * dictionary mode there (see packages/express/src/dictionary-mode.ts; the gain is measured in
 * test/bench), and leaves them alone on V8 13+. Checked with V8's own %HasFastProperties in a
 * child process, on real Express 4 and 5.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Seen {
  reqFast: boolean;
  resFast: boolean;
  reqKeys: string[];
  resKeys: string[];
  traceId?: string;
  hasLog: boolean;
}

const probe = fileURLToPath(new URL('./support/object-shape-probe.cjs', import.meta.url));
const oldV8 = Number.parseInt(process.versions.v8, 10) < 13;

function run(): Record<'express4' | 'express5', { bare: Seen; tracing: Seen }> {
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', probe], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    encoding: 'utf8',
    timeout: 30_000,
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
}

describe(`Express req/res object shape on V8 ${process.versions.v8}`, () => {
  const results = run();

  it.each(['express4', 'express5'] as const)(
    '%s: dictionary mode under tracing() on V8 < 13 only; nothing left behind',
    (name) => {
      const { bare, tracing } = results[name];
      // Express alone leaves both objects in fast mode (with a map of their own).
      expect([bare.reqFast, bare.resFast]).toEqual([true, true]);
      expect([tracing.reqFast, tracing.resFast]).toEqual(oldV8 ? [false, false] : [true, true]);
      expect(tracing.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(tracing.hasLog).toBe(true);
      // Only the documented additions: req.traceContext, req.log and the bound emit.
      const added = (keys: string[], base: string[]) => keys.filter((k) => !base.includes(k));
      expect(added(tracing.reqKeys, bare.reqKeys).sort()).toEqual(['emit', 'log', 'traceContext']);
      expect(added(tracing.resKeys, bare.resKeys)).toEqual(['emit']);
    },
  );
});
