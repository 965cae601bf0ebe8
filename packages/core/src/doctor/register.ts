import { writeFileSync } from 'node:fs';
import { enable, format, report } from './api.js';

/**
 * `node --require @tracebridge/core/doctor/register app.js` (or `--import` for ESM, or the
 * same in NODE_OPTIONS): the doctor on from the first line, its report on stderr at exit —
 * and, with TRACEBRIDGE_DOCTOR_FILE set, as JSON in that file.
 */
enable();
process.once('exit', () => {
  const found = report();
  process.stderr.write(`${format(found)}\n`);
  const file = process.env.TRACEBRIDGE_DOCTOR_FILE;
  if (file !== undefined && file !== '') {
    try {
      writeFileSync(file, `${JSON.stringify(found, null, 2)}\n`);
    } catch (error) {
      process.stderr.write(
        `@tracebridge/core/doctor: could not write TRACEBRIDGE_DOCTOR_FILE ${file}: ${String(error)}\n`,
      );
    }
  }
});
