/** What the doctor found, as {@link DoctorReport} gives it. */
export type FindingKind = 'missing' | 'foreign';

/** One group of lines: same kind, same registration site, same line site. */
export interface DoctorFinding {
  /** `missing`: the line had no ids. `foreign`: it had another request's. */
  readonly kind: FindingKind;
  /** How many lines. */
  readonly count: number;
  /** Where the callback that wrote them was registered — `file:line:column (function)` —
   * and, after ` ← `, the application's call into that function. */
  readonly registeredAt: string;
  /** How it was registered, for example `ServerResponse.on("finish")`. */
  readonly registeredWith: string;
  /** Where the line was written: `file:line:column (function)`. */
  readonly writtenAt: string;
  /** One line's ids: the trace it should have named, and the one it named (if any). */
  readonly example: { readonly expectedTraceId: string; readonly lineTraceId?: string };
  /** What to change, in a sentence. */
  readonly fix: string;
}

/** Everything the doctor saw since it was enabled (or last reset). */
export interface DoctorReport {
  /** Whether the doctor is on now. */
  readonly enabled: boolean;
  /** Listeners registered inside a request's context that the doctor follows. */
  readonly listenersWatched: number;
  /** Lines judged: written (with ids from the current context) inside work a request
   * registered. */
  readonly linesChecked: number;
  /** Lines written with no id although a request registered the work. */
  readonly missing: number;
  /** Lines written with another request's id. */
  readonly foreign: number;
  /** The lines above, grouped by call site; most lines first. */
  readonly findings: readonly DoctorFinding[];
}

/** A readable table of `report`. */
export function formatReport(report: DoctorReport): string {
  const lines: string[] = [];
  const { linesChecked, missing, foreign, findings } = report;
  lines.push(
    `tracebridge doctor: ${linesChecked} line${linesChecked === 1 ? '' : 's'} written inside ` +
      `work a request registered; ${missing} without an id, ${foreign} with another ` +
      `request's id (${report.listenersWatched} listeners watched).`,
  );
  if (findings.length === 0) {
    lines.push('  No line lost its request: nothing to fix.');
    return lines.join('\n');
  }
  for (const finding of findings) {
    const what = finding.kind === 'foreign' ? "ANOTHER REQUEST'S ID" : 'NO ID';
    lines.push('');
    lines.push(`  ${what}: ${finding.count} line${finding.count === 1 ? '' : 's'}`);
    lines.push(`    registered  ${finding.registeredWith} at ${finding.registeredAt}`);
    lines.push(`    written     at ${finding.writtenAt}`);
    const { expectedTraceId, lineTraceId } = finding.example;
    lines.push(
      `    example     registered in trace ${expectedTraceId}, ` +
        (lineTraceId === undefined ? 'line has no trace id' : `line names trace ${lineTraceId}`),
    );
    lines.push(`    fix         ${finding.fix}`);
  }
  return lines.join('\n');
}
