import { createWriteStream, type WriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { finished } from 'node:stream/promises'

/**
 * Cuts a stream into temporary files of at most `partBytes` and hands each to `onPart` before
 * reading on, so memory holds one chunk and a slow store slows the sender down. What arrived
 * before the stream failed is handed over too: a client cut off mid-request resumes from there.
 */
export async function splitIntoFiles (source: Readable, partBytes: number, onPart: (path: string, size: number) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bff-part-'))
  let out: WriteStream | undefined
  let path = ''
  let size = 0
  let count = 0

  async function flush (): Promise<void> {
    if (!out) return
    const file = out
    out = undefined
    file.end()
    await finished(file)
    if (size > 0) await onPart(path, size)
    await rm(path, { force: true })
  }

  let failure: unknown
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      let rest = chunk
      while (rest.length > 0) {
        if (!out) {
          path = join(dir, String(count++))
          out = createWriteStream(path)
          size = 0
        }
        const take = rest.subarray(0, partBytes - size)
        rest = rest.subarray(take.length)
        size += take.length
        if (!out.write(take)) await once(out, 'drain')
        if (size >= partBytes) await flush()
      }
    }
  } catch (err) {
    failure = err
  }
  try {
    await flush()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  if (failure !== undefined) throw failure
}
