/**
 * The S3-compatible store for the upload benchmark's distributed mode: s3rver in its own process,
 * so the BFF's memory figure is the BFF's alone.
 */
import { startS3Server } from '../s3-helper.ts'
import { startChild } from './child.ts'

const s3 = await startS3Server(0)

startChild({
  info: { endpoint: s3.endpoint, bucket: s3.bucket },
  onStop: () => s3.close()
})
