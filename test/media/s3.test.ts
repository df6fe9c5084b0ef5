import { createS3MediaStore } from '../../src/media/s3.ts'
import { S3_CREDENTIALS, startS3Server } from '../s3-helper.ts'
import { runMediaStoreContract } from './contract.ts'

runMediaStoreContract('s3 (s3rver)', async () => {
  const s3 = await startS3Server(4560)
  const store = createS3MediaStore({ endpoint: s3.endpoint, region: 'us-east-1', bucket: s3.bucket, forcePathStyle: true, ...S3_CREDENTIALS })
  return { store, close: async () => { await store.close(); await s3.close() } }
})
