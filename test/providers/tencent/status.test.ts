import { describe, expect, it } from 'vitest'
import { jobReport, outputUrl, TENCENT_STATE } from '../../../src/providers/tencent/status.ts'
import { JobSchema, type JobWire } from '../../../src/providers/tencent/wire.ts'

const base = 'https://cdn.example.com/music'

function job (over: Partial<JobWire> = {}, results?: { songName?: string, videoName?: string }[]) {
  return JobSchema.parse({
    id: 'job-1',
    state: 3,
    customId: 'task-1',
    inputs: [{ url: 'https://h.example/a.png' }],
    outputs: [{
      destination: '/bff/task-1',
      smartContentDescriptor: { imageBgmGeneration: { songQuantity: 1 } },
      ...(results ? { smartContentResult: { imageBgmGeneration: results } } : {})
    }],
    timing: { createdAt: '1610513575000', startedAt: '1610513575000', completedAt: '1610513618000' },
    ...over
  })
}

describe('Tencent job states', () => {
  it('maps 1-5 to ours', () => {
    expect(TENCENT_STATE).toEqual({ 1: 'queued', 2: 'processing', 3: 'succeeded', 4: 'failed', 5: 'canceled' })
    expect(jobReport(job({ state: 1 }), base)).toEqual({ status: 'queued', upstreamTaskId: 'job-1', customId: 'task-1' })
    expect(jobReport(job({ state: 2 }), base)).toEqual({ status: 'processing', upstreamTaskId: 'job-1', customId: 'task-1' })
    expect(jobReport(job({ state: 5 }), base)).toMatchObject({ status: 'canceled', error: { code: 'BFF_ERR_TASK_CANCELED' } })
  })

  it('turns destination + file names into URLs under the configured base', () => {
    const report = jobReport(job({}, [{ songName: 'song 1.mp3' }, { videoName: 'v.mp4' }]), base)
    expect(report).toEqual({
      status: 'succeeded',
      progress: 100,
      upstreamTaskId: 'job-1',
      customId: 'task-1',
      outputs: [
        { type: 'audio', url: 'https://cdn.example.com/music/bff/task-1/song%201.mp3' },
        { type: 'video', url: 'https://cdn.example.com/music/bff/task-1/v.mp4' }
      ]
    })
  })

  it('fails a COMPLETED job that names no file', () => {
    expect(jobReport(job({}, []), base)).toMatchObject({ status: 'failed', error: { code: 'BFF_ERR_TASK_BAD_RESULT' } })
    expect(jobReport(job(), base)).toMatchObject({ status: 'failed', error: { code: 'BFF_ERR_TASK_BAD_RESULT' } })
  })

  it('tells a timeout from a failure by the job\'s own timeout', () => {
    // The example job ran 43 s.
    expect(jobReport(job({ state: 4, timeout: 43 }), base)).toMatchObject({ status: 'timed_out', error: { code: 'BFF_ERR_TASK_TIMED_OUT' } })
    expect(jobReport(job({ state: 4, timeout: 44 }), base)).toMatchObject({ status: 'failed', error: { code: 'BFF_ERR_TASK_FAILED' } })
    expect(jobReport(job({ state: 4 }), base)).toMatchObject({ status: 'failed' })
  })

  it('keeps path tricks out of output URLs', () => {
    expect(outputUrl(base, '/../a//b/', '../x?.mp3')).toBe('https://cdn.example.com/music/a/b/..%2Fx%3F.mp3')
    expect(outputUrl(base, undefined, 'song.mp3')).toBe('https://cdn.example.com/music/song.mp3')
  })
})
