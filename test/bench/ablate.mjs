// Section 2g's ablations: what each of the request lifecycle's features costs, measured by
// taking it out of a copy of the built code — in memory, in the benchmark's own process,
// through a module-loader hook — and comparing with the whole. The features are required
// (time to first byte and the requests of a pipelined socket, req bound to the request,
// the caller's traceparent continued with a new span id): an ablated build is a
// measuring device, never a way to run tracebridge.
//   ablate(['no-socket', 'shared-context']) — before @tracebridge/* is first imported.
import { register } from 'node:module';

/** Each ablation: the built file it edits, the code it looks for (exactly once) and what
 * replaces it. A build whose code moved fails the benchmark, naming the ablation. */
const PATCHES = {
  // No socket tracking: no time to first byte (the socket's writes), no list of the
  // socket's requests (a dropped pipelined connection ends its queued requests).
  'no-socket': {
    file: '/packages/core/dist/index.js',
    find: 'const bytesWatched = watchSocket(state, req.socket);',
    replace: 'const bytesWatched = true;',
  },
  // `req` not bound: its late listeners would run in whatever context emits.
  'no-req': {
    file: '/packages/core/dist/index.js',
    find: '\n  bindEmit(req, state);\n',
    replace: '\n',
  },
  // One context for every request: no traceparent parsed, no span id made, nothing sealed.
  'shared-context': {
    file: '/packages/core/dist/index.js',
    find: 'const context = contextFromRequest(req, resolved, report);',
    replace:
      'const context = globalThis[Symbol.for("tracebridge.bench.shared")] ??= contextFromRequest(req, resolved, report);',
  },
};

/** What apps.mjs handles itself, through tracing()'s own options: no `ctx.log`. */
export const OPTION_ABLATIONS = new Set(['no-ctx-log']);

/** Every ablation name. */
export const ABLATIONS = [...Object.keys(PATCHES), ...OPTION_ABLATIONS];

/** Takes `names` out of @tracebridge/*'s built code for the rest of this process. */
export function ablate(names) {
  for (const name of names) {
    if (!ABLATIONS.includes(name))
      throw new Error(`bench: unknown ablation ${name} (${ABLATIONS.join(', ')})`);
  }
  const patches = names
    .filter((name) => name in PATCHES)
    .map((name) => ({ name, ...PATCHES[name] }));
  if (patches.length > 0) register(import.meta.url, { data: { patches } });
}

// ---- the loader hooks (run on Node's loader thread) ---------------------------------
let active = [];

export function initialize(data) {
  active = data.patches;
}

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  const patches = active.filter((patch) => url.endsWith(patch.file));
  if (patches.length === 0) return result;
  let source = String(result.source);
  for (const { name, find, replace } of patches) {
    const at = source.indexOf(find);
    if (at === -1 || source.indexOf(find, at + 1) !== -1) {
      throw new Error(
        `bench: ablation ${name} finds its code ${at === -1 ? 'nowhere' : 'more than once'} in ${url}; update test/bench/ablate.mjs to the new build`,
      );
    }
    source = source.slice(0, at) + replace + source.slice(at + find.length);
  }
  return { ...result, source };
}
