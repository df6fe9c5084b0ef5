import { Transform } from 'node:stream'
import { MediaTooLargeError } from './types.ts'

/** Passes bytes through and fails the stream as soon as more than maxBytes went by. */
export function byteLimit (maxBytes: number, onBytes?: (total: number) => void): Transform {
  let total = 0
  return new Transform({
    transform (chunk: Buffer, _enc, done) {
      total += chunk.length
      if (total > maxBytes) return done(new MediaTooLargeError(maxBytes))
      onBytes?.(total)
      done(null, chunk)
    }
  })
}
