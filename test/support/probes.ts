/** Right / missing / wrong counts of trace ids seen in callbacks, per case. */
export interface Tally {
  right: number;
  missing: number;
  wrong: number;
}

export class Probes {
  readonly byCase = new Map<string, Tally>();

  record(name: string, expected: string, got: string | undefined): void {
    let tally = this.byCase.get(name);
    if (tally === undefined) {
      tally = { right: 0, missing: 0, wrong: 0 };
      this.byCase.set(name, tally);
    }
    if (got === undefined) tally.missing++;
    else if (got === expected) tally.right++;
    else tally.wrong++;
  }

  get(name: string): Tally {
    return this.byCase.get(name) ?? { right: 0, missing: 0, wrong: 0 };
  }

  total(): Tally {
    const sum = { right: 0, missing: 0, wrong: 0 };
    for (const t of this.byCase.values()) {
      sum.right += t.right;
      sum.missing += t.missing;
      sum.wrong += t.wrong;
    }
    return sum;
  }

  /** A compact table for failure messages and logs. */
  describe(): string {
    return [...this.byCase]
      .map(([name, t]) => `${name}: ${t.right}/${t.missing}/${t.wrong}`)
      .join(', ');
  }
}
