import { writeFileSync } from 'node:fs';
import { enable, format, report } from './api.js';

/**
 * `node --require @tracebridge/core/doctor/register app.js` (or `--import` for ESM, or the
 * same in NODE_OPTIONS): the doctor on from the first line, its report at exit — as a table
 * on stderr, or, with TRACEBRIDGE_DOCTOR_FILE set, as JSON in that file (and one line on
 * stderr saying what it found and where).
 */
enable();
process.once('exit', () => {
  const found = report();
  const file = process.env.TRACEBRIDGE_DOCTOR_FILE;
  if (file === undefined || file === '') {
    process.stderr.write(`${format(found)}\n`);
    return;
  }
  try {
    writeFileSync(file, `${JSON.stringify(found, null, 2)}\n`);
    process.stderr.write(
      `tracebridge doctor: ${found.missing} lines without an id, ${found.foreign} with ` +
        `another request's id (of ${found.linesChecked} checked); report in ${file}\n`,
    );
  } catch (error) {
    process.stderr.write(`${format(found)}\n`);
    process.stderr.write(
      `@tracebridge/core/doctor: could not write TRACEBRIDGE_DOCTOR_FILE ${file}: ${String(error)}\n`,
    );
  }
});
