import { Writable } from 'node:stream';

/**
 * A pino destination that keeps every line, parsed, in `records` (what the log-line helpers
 * read); `delayMs` makes each write finish late, as a slow asynchronous destination would.
 * `drained()` resolves once no write is pending.
 */
export class PinoMemory {
  readonly records: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  #pending = 0;
  #waiters: (() => void)[] = [];
  readonly stream: Writable;

  constructor(delayMs = 0) {
    this.stream = new Writable({
      write: (chunk, _encoding, callback) => {
        for (const line of String(chunk).split('\n')) {
          if (line === '') continue;
          this.raw.push(line);
          this.records.push(JSON.parse(line));
        }
        if (delayMs <= 0) return callback();
        this.#pending++;
        setTimeout(() => {
          this.#pending--;
          callback();
          if (this.#pending === 0) for (const wake of this.#waiters.splice(0)) wake();
        }, delayMs);
      },
    });
  }

  lines(): Record<string, unknown>[] {
    return this.records;
  }

  drained(): Promise<void> {
    return this.#pending === 0
      ? Promise.resolve()
      : new Promise((resolve) => this.#waiters.push(resolve));
  }
}
