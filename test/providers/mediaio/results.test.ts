import { describe, expect, it } from 'vitest'
import { resultOutputs, resultUrls } from '../../../src/providers/mediaio/results.ts'
import { MEDIAIO_STATUS, taskReport } from '../../../src/providers/mediaio/status.ts'

const A = 'https://cdn.media.io/out/a.png'
const B = 'https://cdn.media.io/out/b.png'
const V = 'https://cdn.media.io/out/v.mp4'

describe('Media.io results, read defensively', () => {
  it.each([
    ['a single URL', A, [A]],
    ['an array of URLs', [A, B], [A, B]],
    ['an array of objects with url', [{ url: A }, { url: B, width: 1 }], [A, B]],
    ['an object with url', { url: V }, [V]],
    ['an object of arrays', { images: [A, B] }, [A, B]],
    ['other url field names', [{ image_url: A }, { video_url: V }, { file_url: B }], [A, V, B]],
    ['nested objects with a cover', { videos: [{ url: V, cover_url: A }] }, [V]],
    ['a cover beside the file', { video: V, cover: A, thumbnail_url: B }, [V]],
    ['duplicates', [A, { url: A }], [A]]
  ])('%s', (_what, result, urls) => {
    expect(resultUrls(result)).toEqual(urls)
  })

  it.each([
    ['nothing', undefined], ['null', null], ['an empty object', {}], ['a number', 3], ['non-http', ['ftp://x/a.png', 'javascript:alert(1)']], ['not a URL', 'https://']
  ])('finds no URL in %s', (_what, result) => {
    expect(resultUrls(result)).toEqual([])
  })

  it('types outputs by extension first, then by the model', () => {
    expect(resultOutputs([A, V, 'https://cdn.media.io/out/x'], 'image')).toEqual([
      { type: 'image', url: A }, { type: 'video', url: V }, { type: 'image', url: 'https://cdn.media.io/out/x' }
    ])
  })
})

describe('Media.io statuses', () => {
  const ctx = { upstreamTaskId: 't1', traceId: 'tr', expected: 'image' as const }
  it('maps both vocabularies', () => {
    expect(MEDIAIO_STATUS).toEqual({ waiting: 'queued', pending: 'queued', processing: 'processing', completed: 'succeeded', succeeded: 'succeeded', failed: 'failed', timeout: 'timed_out' })
    expect(taskReport({ status: 'Completed', result: [A] }, ctx)).toEqual({ status: 'succeeded', progress: 100, outputs: [{ type: 'image', url: A }], upstreamTaskId: 't1', traceId: 'tr' })
    expect(taskReport({ status: 'pending' }, ctx)).toEqual({ status: 'queued', upstreamTaskId: 't1', traceId: 'tr' })
  })

  it('fails a success without a readable file as a bad result', () => {
    expect(taskReport({ status: 'succeeded', result: { note: 'done' } }, ctx)).toMatchObject({ status: 'failed', error: { code: 'BFF_ERR_TASK_BAD_RESULT' } })
  })

  it('treats an unknown status as running and says so', () => {
    const told: string[] = []
    expect(taskReport({ status: 'queued_gpu' }, { ...ctx, onUnknownStatus: (s) => told.push(s) })).toMatchObject({ status: 'processing' })
    expect(told).toEqual(['queued_gpu'])
  })
})
