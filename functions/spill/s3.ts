import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { awsClientDeadlines } from '../http/aws.js';
import { decodeBatch, type RefusedLines, rejectedBatch, type SpillStore, spilledBatch } from './store.js';

const SPILL = 'spill/';
const REJECTED = 'rejected/';
const STATE = 'state/';

/**
 * The deployed spill: one object per failed batch under `spill/` (its key names the tick), refused lines under
 * `rejected/`, carried state under `state/`. The bucket (encrypted, private, with a lifecycle rule) is the stack's.
 */
export class S3SpillStore implements SpillStore {
  readonly description: string;

  constructor(
    private readonly bucket: string,
    private readonly client: S3Client = new S3Client(awsClientDeadlines()),
  ) {
    this.description = `s3://${bucket}/${SPILL}`;
  }

  async put(lines: readonly string[], at: number): Promise<string> {
    const { name, body } = await spilledBatch(lines, at);
    const key = `${SPILL}${name}`;
    await this.putObject(key, body);
    return key;
  }

  async list(): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: SPILL, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) if (object.Key?.endsWith('.lp.gz')) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async read(key: string): Promise<string[]> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return decodeBatch(
      await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async reject(refused: readonly RefusedLines[], at: number): Promise<string> {
    const { name, body } = await rejectedBatch(refused, at);
    const key = `${REJECTED}${name}`;
    await this.putObject(key, body);
    return key;
  }

  async readState(name: string): Promise<string | undefined> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: `${STATE}${name}.json` }),
      );
      return await (object.Body as { transformToString(): Promise<string> }).transformToString();
    } catch {
      // No state yet (NoSuchKey), or unreadable: a run without carried state is still a good run.
      return undefined;
    }
  }

  async writeState(name: string, text: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: `${STATE}${name}.json`,
        Body: text,
        ContentType: 'application/json',
      }),
    );
  }

  private async putObject(key: string, body: Buffer): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/gzip',
      }),
    );
  }
}
