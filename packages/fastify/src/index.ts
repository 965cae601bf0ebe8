import './types.js';

export { type FastifyTracingOptions, tracing } from './plugin.js';
