import { defineConfig } from 'tsup';
import { base } from '../../tsup.base.js';

export default defineConfig({
  ...base,
  entry: {
    index: 'src/index.ts',
    winston: 'src/winston/index.ts',
    pino: 'src/pino/index.ts',
    doctor: 'src/doctor/index.ts',
    'doctor/register': 'src/doctor/register.ts',
  },
  // One shared chunk for what the entries use, in both formats: no second copy of core
  // inside the winston or pino entry.
  splitting: true,
  // import.meta.url in the CJS build (createLogger and createPinoLogger load winston and
  // pino lazily through it).
  shims: true,
  external: ['winston', 'pino', '@opentelemetry/api'],
});
