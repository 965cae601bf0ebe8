import { type DoctorOptions, instance } from './doctor.js';
import { type DoctorReport, formatReport } from './report.js';

/**
 * Turns the context doctor on: from now on, listeners added while a request's context is
 * current are followed, and each line a tracebridge-aware logger writes inside them with no
 * id, or with another request's id, is counted by call site. For development, tests and
 * staging — it wraps listeners and takes a stack per followed listener. Calling it again
 * only updates the options.
 *
 * @example
 * import { doctor } from '@tracebridge/core/doctor';
 * doctor.enable({ reportAtExit: true });
 */
export function enable(options?: DoctorOptions): void {
  instance().enable(options);
}

/**
 * Turns the doctor off: `EventEmitter.prototype` gets its methods back and lines are no
 * longer judged. What it found stays in {@link report} until {@link reset}.
 *
 * @example
 * afterAll(() => doctor.disable());
 */
export function disable(): void {
  instance().disable();
}

/**
 * Forgets what the doctor found so far (it stays on).
 *
 * @example
 * beforeEach(() => doctor.reset());
 */
export function reset(): void {
  instance().reset();
}

/**
 * What the doctor found since it was enabled or reset: counts, and the lines grouped by
 * where their callback was registered and where they were written, with a fix for each.
 *
 * @example
 * console.log(JSON.stringify(doctor.report(), null, 2));
 */
export function report(): DoctorReport {
  return instance().report();
}

/**
 * The report as a readable table (the current one unless `of` is given).
 *
 * @example
 * process.stderr.write(`${doctor.format()}\n`);
 */
export function format(of: DoctorReport = report()): string {
  return formatReport(of);
}

/** Thrown by {@link assertClean}; `report` holds what the doctor found. */
export class DoctorError extends Error {
  readonly report: DoctorReport;
  constructor(found: DoctorReport) {
    super(`${formatReport(found)}\n`);
    this.name = 'DoctorError';
    this.report = found;
  }
}

/**
 * Throws a {@link DoctorError} — its message the report's table — when any line was written
 * with no id or another request's id since the doctor was enabled or reset. In a test
 * suite: a change that brings back a late-callback line fails the test that exercises it.
 *
 * @example
 * it('keeps every line on its request', async () => {
 *   doctor.reset();
 *   await exerciseTheService();
 *   doctor.assertClean();
 * });
 */
export function assertClean(): void {
  const found = report();
  if (found.findings.length > 0) throw new DoctorError(found);
}

/**
 * The doctor's functions in one object.
 *
 * @example
 * import { doctor } from '@tracebridge/core/doctor';
 * doctor.enable();
 * // … run the service's traffic …
 * doctor.assertClean();
 */
export const doctor = {
  enable,
  disable,
  reset,
  report,
  format,
  assertClean,
  /** Whether the doctor is on. */
  get enabled(): boolean {
    return instance().enabled;
  },
};
