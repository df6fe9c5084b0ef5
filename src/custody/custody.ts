import type { MediaLinks } from '../media/links.ts'
import { MediaTooLargeError, type MediaStore } from '../media/types.ts'
import { isFileOutput, type FileOutput, type Output } from '../tasks/model.ts'
import { CopyError, type OutputFetcher } from './fetch.ts'
import { outputKey } from './keys.ts'
import type { Logger } from '../tasks/service.ts'

export interface CustodyDeps {
  media: MediaStore
  links: Pick<MediaLinks, 'signUntil'>
  fetcher: Pick<OutputFetcher, 'open'>
  retentionMs: number
  maxBytes: number
  /** Budget of one copy, from the first request to the last byte stored. */
  timeoutMs: number
  now: () => number
  /** Records that the task has copies still owed (durably, before the task is written). */
  owe: (taskId: string) => Promise<void>
  onCopy: (result: 'stored' | 'failed', bytes: number) => void
  log: Pick<Logger, 'warn'>
}

// Served from our own origin: anything but plain media (HTML, SVG, scripts) is sent as bytes.
const SAFE_TYPE = /^(audio|video)\/[\w.+-]+$|^image\/(png|jpeg|webp|gif|avif)$/

/**
 * Output custody: copies a succeeded task's outputs into the media store and answers the outputs
 * clients see: the BFF's signed link with the gateway's original as `sourceUrl`, or, when the copy
 * failed, the gateway's URL with the failure (and whether it is retried) on the output.
 */
export function createCustody (deps: CustodyDeps) {
  async function copyOne (taskId: string, index: number, type: FileOutput['type'], source: string): Promise<FileOutput> {
    const signal = AbortSignal.timeout(deps.timeoutMs)
    try {
      const { body, contentType } = await deps.fetcher.open(source, signal)
      const expiresAt = deps.now() + deps.retentionMs
      const key = outputKey(taskId, index)
      // The request's signal also aborts its body: a gateway that trickles bytes is cut off at the deadline.
      const stored = await deps.media.put(key, body, {
        contentType: SAFE_TYPE.test(contentType) ? contentType : 'application/octet-stream',
        maxBytes: deps.maxBytes,
        expiresAt,
        meta: { taskId, origin: 'output' }
      })
      deps.onCopy('stored', stored.size)
      return { type, url: deps.links.signUntil(key, expiresAt), sourceUrl: source, custody: { status: 'stored', expiresAt: new Date(expiresAt).toISOString() } }
    } catch (err) {
      const failure = err instanceof CopyError
        ? err
        : err instanceof MediaTooLargeError
          ? new CopyError(`the file is larger than ${deps.maxBytes} bytes`, true)
          : new CopyError(signal.aborted ? 'the copy took too long' : 'the copy failed', false)
      deps.onCopy('failed', 0)
      // The reason, never the URL: a gateway's output URL may carry a signature.
      deps.log.warn({ taskId, output: index, reason: failure.message, retrying: !failure.permanent }, 'output copy failed')
      return { type, url: source, sourceUrl: source, custody: { status: 'failed', error: failure.message, retrying: !failure.permanent } }
    }
  }

  /** Copies every file output (inline source has nothing to copy); owes a retry for the ones that failed but may work later. */
  async function take (taskId: string, outputs: readonly Output[]): Promise<Output[]> {
    const copied = await Promise.all(outputs.map(async (o, i) => isFileOutput(o) ? copyOne(taskId, i, o.type, o.url) : o))
    if (copied.some((o) => isFileOutput(o) && o.custody?.retrying)) await deps.owe(taskId)
    return copied
  }

  /** Tries the failed, retryable outputs again; `last` gives up on those that still fail. */
  async function retry (taskId: string, outputs: readonly Output[], last: boolean): Promise<Output[]> {
    return Promise.all(outputs.map(async (o, i) => {
      if (!isFileOutput(o) || o.custody?.status !== 'failed' || !o.custody.retrying) return o
      const again = await copyOne(taskId, i, o.type, o.sourceUrl ?? o.url)
      return last && again.custody?.status === 'failed' ? { ...again, custody: { ...again.custody, retrying: false } } : again
    }))
  }

  return { take, retry }
}

export type Custody = ReturnType<typeof createCustody>
