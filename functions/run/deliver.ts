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
  signal?: AbortSignal,
): Promise<Delivery> {
  if (lines.length === 0) return { written: 0, rejected: [], unsent: [] };
  try {
    await sink.write(lines, { deadline, ...(signal ? { signal } : {}) });
    return { written: lines.length, rejected: [], unsent: [] };
  } catch (caught) {
    const error =
      caught instanceof WriteError ? caught : new WriteError(String(caught), 0, true, 1, { cause: caught });
    if (!error.refusesPoints) return { written: 0, rejected: [], unsent: [...lines], error };
    if (lines.length === 1)
      return { written: 0, rejected: [{ lines: [...lines], message: error.message }], unsent: [] };
    const whole = refusedWhole(lines, error.message);
    if (whole) return { written: 0, rejected: whole, unsent: [] };
    const middle = Math.ceil(lines.length / 2);
    const [head, tail] = [
      await deliver(sink, lines.slice(0, middle), deadline, signal),
      await deliver(sink, lines.slice(middle), deadline, signal),
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

/**
 * The refusal of every line of a batch, when InfluxDB says so: then halving it would cost two requests per line
 * (20,000 for a batch of 10,000 points of a field-type conflict) to learn nothing. InfluxDB 1.x names each line
 * it could not parse, in order (each line then keeps its own message), and counts the points it `dropped=`.
 */
function refusedWhole(lines: readonly string[], message: string): RejectedLines[] | undefined {
  const unparsed = message.split('\n').filter((part) => part.includes('unable to parse'));
  if (unparsed.length === lines.length) {
    return lines.map((line, index) => ({ lines: [line], message: unparsed[index] as string }));
  }
  const dropped = /dropped=(\d+)/.exec(message);
  if (dropped && Number(dropped[1]) === lines.length) return [{ lines: [...lines], message }];
  return undefined;
}
