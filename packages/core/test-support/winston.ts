import Transport from 'winston-transport';

/** A transport that keeps parsed records; `delayMs` makes it slow (Winston then buffers
 * and runs formats later, when it drains). `fail` makes it throw. */
export class MemoryTransport extends Transport {
  readonly records: Record<PropertyKey, unknown>[] = [];
  readonly #delayMs: number;
  #pending = 0;

  constructor(
    options: { delayMs?: number; format?: Transport.TransportStreamOptions['format'] } = {},
  ) {
    super(options.format ? { format: options.format } : {});
    this.#delayMs = options.delayMs ?? 0;
  }

  override log(info: Record<PropertyKey, unknown>, callback: () => void): void {
    this.records.push(info);
    if (this.#delayMs <= 0) {
      callback();
      return;
    }
    this.#pending++;
    setTimeout(() => {
      this.#pending--;
      callback();
    }, this.#delayMs);
  }

  /** Whether every record written so far has reached this transport: none in the logger's
   * buffers (the logger it is piped from, `parent`), none in its own, none being written. */
  idle(): boolean {
    const parent = (this as { parent?: { writableLength: number; readableLength: number } }).parent;
    const buffered = parent === undefined ? 0 : parent.writableLength + parent.readableLength;
    return this.#pending === 0 && this.writableLength === 0 && buffered === 0;
  }

  /** The records as the serialised lines a JSON transport would write. */
  lines(): Record<string, unknown>[] {
    return this.records.map((r) => JSON.parse(String(r[Symbol.for('message')])));
  }
}

/** Resolves once `transport` has received `count` records (bounded by `maxMs`). */
export async function received(
  transport: MemoryTransport,
  count: number,
  maxMs = 10_000,
): Promise<void> {
  const until = Date.now() + maxMs;
  while (transport.records.length < count && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
