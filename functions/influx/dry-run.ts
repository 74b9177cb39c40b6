import type { PointSink } from './writer.js';

/** `--dry-run`: line protocol to a stream (stdout), nothing written anywhere, like `telegraf --test`. */
export class LineProtocolPrinter implements PointSink {
  readonly description = 'stdout (dry run: nothing written)';
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  async write(lines: readonly string[]): Promise<void> {
    if (lines.length > 0) this.out.write(`${lines.join('\n')}\n`);
  }
}
