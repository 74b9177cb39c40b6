import { type PointSink, WriteError } from './writer.js';

/**
 * The sink of a run whose InfluxDB credentials could not be read (secret missing, not JSON, wrong keys): every
 * write fails as retryable, so the run still samples and spills its points for a later run to replay, and the
 * spilling alarm fires, instead of the invocation throwing every minute into the dead-letter queue.
 */
export class UnavailableSink implements PointSink {
  readonly description: string;

  constructor(private readonly reason: string) {
    this.description = `nowhere (${reason})`;
  }

  async write(): Promise<void> {
    throw new WriteError(`not written: ${this.reason}`, 0, true, 0);
  }
}
