import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from 's3rver'

export interface S3Server { endpoint: string, bucket: string, close: () => Promise<void> }

export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

/** A real S3 protocol server on loopback (s3rver), with one empty bucket, in a throwaway directory. */
export async function startS3Server (port: number, bucket = 'bff-media'): Promise<S3Server> {
  const directory = mkdtempSync(join(tmpdir(), 'bff-s3-'))
  const server = new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] })
  const { port: bound } = await server.run()
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    bucket,
    close: async () => {
      await server.close()
      rmSync(directory, { recursive: true, force: true })
    }
  }
}
