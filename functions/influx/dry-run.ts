import type { Point } from '@influxdata/influxdb-client';
import { type PointSink, toLines } from './writer.js';

/** `--dry-run`: line protocol to a stream (stdout), nothing written anywhere, like `telegraf --test`. */
export class LineProtocolPrinter implements PointSink {
  readonly description = 'stdout (dry run: nothing written)';
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  async write(points: readonly Point[]): Promise<void> {
    const lines = toLines(points);
    if (lines.length > 0) this.out.write(`${lines.join('\n')}\n`);
  }
}
