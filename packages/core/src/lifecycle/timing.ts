import type { ServerResponse } from 'node:http';

/**
 * When a request started, and when its response's first bytes could go out: once its head
 * was written and it had the connection. A response on a pipelined connection is queued
 * until the ones before it are done; Node hands it the socket then (its 'socket' event).
 */
export class Timing {
  readonly start = process.hrtime.bigint();
  headWritten: bigint | undefined = undefined;
  connected: bigint | undefined = undefined;

  /** Records that the head is being written now (see head.ts). */
  headNow(): void {
    this.headWritten ??= process.hrtime.bigint();
  }

  /** The time of the first byte, if there was one. */
  firstByte(): bigint | undefined {
    if (this.headWritten === undefined || this.connected === undefined) return undefined;
    // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.max does not take.
    return this.headWritten > this.connected ? this.headWritten : this.connected;
  }
}

/** Starts the clock for `res`; the caller reports the head through `headNow()`. */
export function startTiming(res: ServerResponse): Timing {
  const timing = new Timing();
  if (res.headersSent) timing.headWritten = timing.start;
  if (res.socket !== null && res.socket !== undefined) timing.connected = timing.start;
  else {
    res.once('socket', () => {
      timing.connected = process.hrtime.bigint();
    });
  }
  return timing;
}
