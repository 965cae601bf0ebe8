export {
  assertClean,
  DoctorError,
  disable,
  doctor,
  enable,
  format,
  report,
  reset,
} from './api.js';
export type { FrameFilter } from './call-site.js';
export type { DoctorOptions } from './doctor.js';
export type { DoctorFinding, DoctorReport, FindingKind } from './report.js';
