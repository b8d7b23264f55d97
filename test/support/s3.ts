import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error s3rver ships no type declarations
import S3rver from '@20minutes/s3rver';

export type TestS3 = { endpoint: string; accessKeyId: string; secretAccessKey: string; close(): Promise<void> };

/** An S3-compatible server (s3rver) on loopback with the given buckets, its files in a temporary directory. */
export async function startS3(buckets: string[]): Promise<TestS3> {
  const directory = await mkdtemp(path.join(tmpdir(), 'gateway-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: buckets.map((name) => ({ name, configs: [] })) });
  const { port } = (await server.run()) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    // s3rver's fixed credentials.
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
