import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';

/** The part of s3rver's API used here (the package ships no types). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

interface S3rverOptions {
  port: number;
  address: string;
  directory: string;
  silent: boolean;
  configureBuckets: Array<{ name: string }>;
}

type S3rverClass = new (options: S3rverOptions) => S3rverInstance;

// s3rver is CommonJS without type declarations: require keeps its constructor typed by the interface above.
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

/** A loopback S3 (s3rver) with one bucket, and a real SDK v3 client pointed at it. */
export interface S3Standin {
  /** Endpoint, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  client: S3Client;
  bucket: string;
  /** Stops the server, destroys the client and removes the objects' folder. */
  close(): Promise<void>;
}

/** Starts s3rver on a free loopback port, storing objects in a fresh temp folder, with `bucket` created. */
export async function startS3rver(bucket = 'spill'): Promise<S3Standin> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  const url = `http://127.0.0.1:${address.port}`;
  const client = new S3Client({
    endpoint: url,
    region: 'us-east-1',
    // s3rver serves buckets by path, not by virtual host.
    forcePathStyle: true,
    // s3rver's built-in account; it checks signatures against it.
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  let closed = false;
  return {
    url,
    client,
    bucket,
    async close() {
      if (closed) return;
      closed = true;
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
