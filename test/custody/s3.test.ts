import { S3_CREDENTIALS, startS3Server } from '../s3-helper.ts'
import { runCustodySuite } from './suite.ts'

let port = 4580
runCustodySuite('s3 (s3rver)', async () => {
  const s3 = await startS3Server(port++)
  return {
    env: () => ({
      MEDIA_S3_BUCKET: s3.bucket,
      MEDIA_S3_ENDPOINT: s3.endpoint,
      MEDIA_S3_FORCE_PATH_STYLE: 'true',
      MEDIA_S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
      MEDIA_S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey
    }),
    close: s3.close
  }
})
