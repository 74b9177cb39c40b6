import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';

/**
 * Durable storage for batches InfluxDB did not take: a folder at a desk (`--spill-dir`), an S3 bucket in AWS.
 * Batches are gzipped line protocol, one object per failed batch, listed oldest first.
 */
export interface SpillStore {
  /** Where spilled data goes, for logs and the run's summary. */
  readonly description: string;
  /** Keeps a batch that could not be written; returns its key. */
  put(lines: readonly string[], at: number): Promise<string>;
  /** Keys of the batches waiting for replay, oldest first. */
  list(): Promise<string[]>;
  read(key: string): Promise<string[]>;
  /** Called only after InfluxDB accepted every line of the batch. */
  delete(key: string): Promise<void>;
  /**
   * Keeps the lines InfluxDB refused from one batch, each group under a comment with InfluxDB's message, as one
   * file under `rejected/`: never replayed, and one file per batch however many lines were refused.
   */
  reject(refused: readonly RefusedLines[], at: number): Promise<string>;
  /**
   * Small named JSON documents a run hands to the next, across cold starts and cron runs (429 back-offs of a
   * shard, the last good project listing of an account); `undefined` when there is none yet.
   */
  readState(name: string): Promise<string | undefined>;
  writeState(name: string, text: string): Promise<void>;
}

/** Lines InfluxDB refused, with its words about them. */
export interface RefusedLines {
  lines: readonly string[];
  message: string;
}

/** A comment longer than this is cut: a parse error echoes its line, and a batch may hold thousands. */
const MAX_COMMENT_LENGTH = 1_000;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * A key that sorts by the batch's scheduled time, then by when it was spilled: `20261122T001500Z-…`.
 * The random tail keeps two shards' batches of one tick apart.
 */
export function batchName(at: number, now = Date.now()): string {
  const stamp = new Date(at)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return `${stamp}-${now.toString(36).padStart(9, '0')}-${randomBytes(4).toString('hex')}.lp.gz`;
}

/** Gzipped line protocol. */
export async function encodeBatch(lines: readonly string[]): Promise<Buffer> {
  return gzipAsync(`${lines.join('\n')}\n`);
}

/** A batch as a store keeps it: a name that sorts by the batch's time (see {@link batchName}), and its body. */
export interface StoredBatch {
  name: string;
  body: Buffer;
}

/** A batch InfluxDB did not take, ready for `put`. */
export async function spilledBatch(lines: readonly string[], at: number): Promise<StoredBatch> {
  return { name: batchName(at), body: await encodeBatch(lines) };
}

/** The lines InfluxDB refused from a batch, ready for `reject`. */
export async function rejectedBatch(refused: readonly RefusedLines[], at: number): Promise<StoredBatch> {
  return { name: batchName(at), body: await encodeRejected(refused) };
}

/**
 * The `rejected/` file of a batch: each group of refused lines after a `# rejected by InfluxDB: …` line, which
 * InfluxDB's parser (and `decodeBatch`) skips, so the file can be fixed and written by hand.
 */
async function encodeRejected(refused: readonly RefusedLines[]): Promise<Buffer> {
  const text = refused
    .map(({ lines, message }) => {
      const flat = message.replace(/\s+/g, ' ');
      const comment = flat.length > MAX_COMMENT_LENGTH ? `${flat.slice(0, MAX_COMMENT_LENGTH)}…` : flat;
      return `# rejected by InfluxDB: ${comment}\n${lines.join('\n')}\n`;
    })
    .join('');
  return gzipAsync(text);
}

/** The scheduled time (epoch ms) a batch key names (see {@link batchName}); `undefined` for any other key. */
export function batchTime(key: string): number | undefined {
  const stamp = /(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-[^/]*$/.exec(key);
  if (!stamp) return undefined;
  const [, year, month, day, hour, minute, second] = stamp.map(Number) as number[];
  return Date.UTC(year as number, (month as number) - 1, day, hour, minute, second);
}

export async function decodeBatch(body: Uint8Array): Promise<string[]> {
  const text = (await gunzipAsync(body)).toString('utf8');
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}
