import { type PointSink, WriteError } from '../influx/writer.js';

/** Lines InfluxDB refused as malformed, with its words. */
export interface RejectedLines {
  lines: string[];
  message: string;
}

/** What became of a batch: written, refused line by line, or still to be written (InfluxDB down). */
export interface Delivery {
  written: number;
  rejected: RejectedLines[];
  /** Lines not written for a reason that may pass (outage, 5xx, auth): to be spilled and replayed. */
  unsent: string[];
  /** Why `unsent` is not empty. */
  error?: WriteError;
}

/**
 * Writes a batch. When InfluxDB refuses the points themselves (400/413/422), the batch is halved until the
 * refused lines stand alone, so that one malformed point never holds back the others; InfluxDB 1.x's partial
 * writes make the re-sent good lines harmless, since they carry the same timestamps.
 */
export async function deliver(
  sink: PointSink,
  lines: readonly string[],
  deadline: number,
): Promise<Delivery> {
  if (lines.length === 0) return { written: 0, rejected: [], unsent: [] };
  try {
    await sink.write(lines, { deadline });
    return { written: lines.length, rejected: [], unsent: [] };
  } catch (caught) {
    const error =
      caught instanceof WriteError ? caught : new WriteError(String(caught), 0, true, 1, { cause: caught });
    if (!error.refusesPoints) return { written: 0, rejected: [], unsent: [...lines], error };
    if (lines.length === 1)
      return { written: 0, rejected: [{ lines: [...lines], message: error.message }], unsent: [] };
    const middle = Math.ceil(lines.length / 2);
    const [head, tail] = [
      await deliver(sink, lines.slice(0, middle), deadline),
      await deliver(sink, lines.slice(middle), deadline),
    ];
    const merged: Delivery = {
      written: head.written + tail.written,
      rejected: [...head.rejected, ...tail.rejected],
      unsent: [...head.unsent, ...tail.unsent],
    };
    const unsentError = head.error ?? tail.error;
    if (unsentError) merged.error = unsentError;
    return merged;
  }
}
