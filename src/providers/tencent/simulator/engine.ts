import { randomUUID } from 'node:crypto'
import { parseBehaviour, PLAIN_BEHAVIOUR, type Behaviour } from '../../simulator-kit/behaviour.ts'
import type { SimLogger } from '../../simulator-kit/callback.ts'
import { JOB_STATE, OUTPUT_TYPE, type CreateJobRequest, type JobWire } from '../wire.ts'
import { JobCallbacks } from './callbacks.ts'

export interface TencentEngineOptions {
  queueMs: number
  processMs: number
  callbackTimeoutMs: number
  callbackRetries: number
  callbackRetryDelayMs: number
  logger: SimLogger
  defaultBehaviour?: Partial<Behaviour> | undefined
}

/** One simulated job, as tests may inspect it. */
export interface TencentSimJob {
  readonly job: Readonly<JobWire>
  readonly behaviour: Readonly<Behaviour>
  /** Storage path (destination + file name) to the kind of file it holds; filled on COMPLETED. */
  readonly files: ReadonlyMap<string, 'mp3' | 'mp4'>
  /** Callbacks answered 2xx. */
  readonly callbacksDelivered: number
  readonly callbackAttempts: number
}

interface JobState extends TencentSimJob {
  job: JobWire
  files: Map<string, 'mp3' | 'mp4'>
  callbacksDelivered: number
  callbackAttempts: number
}

/**
 * Behaviour markers ride in the input URL's fragment, which no real fetch sends:
 * `https://host/cat.png#fail`, `#hang,no-callback`, `#double-callback`, `#delay=2000`.
 */
export function behaviourOf (request: CreateJobRequest, fallback?: Partial<Behaviour>): Behaviour {
  const url = request.inputs.find((i) => i.url !== undefined)?.url ?? ''
  const hash = url.includes('#') ? url.slice(url.indexOf('#') + 1) : ''
  const markers = hash.split(/[,+&\s]+/).filter(Boolean).map((m) => `#${m}`).join(' ')
  return parseBehaviour(markers) ?? { ...PLAIN_BEHAVIOUR, ...fallback }
}

/** The job lifecycle on timers: SUBMITTED, PROCESSING, then COMPLETED, ERROR or CANCELED. */
export class TencentEngine {
  readonly jobs = new Map<string, TencentSimJob>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly callbacks: JobCallbacks
  private readonly opts: TencentEngineOptions
  private closed = false

  constructor (opts: TencentEngineOptions) {
    this.opts = opts
    this.callbacks = new JobCallbacks(opts)
  }

  create (request: CreateJobRequest): JobWire {
    const job: JobWire = {
      id: randomUUID(),
      state: JOB_STATE.SUBMITTED,
      ...(request.customId !== undefined ? { customId: request.customId } : {}),
      ...(request.callback !== undefined ? { callback: request.callback } : {}),
      ...(request.timeout !== undefined ? { timeout: request.timeout } : {}),
      inputs: request.inputs,
      outputs: request.outputs.map((o) => ({ ...o, destination: o.destination ?? '/' })),
      timing: { createdAt: String(Date.now()), startedAt: '0', completedAt: '0' }
    }
    const state: JobState = { job, behaviour: behaviourOf(request, this.opts.defaultBehaviour), files: new Map(), callbacksDelivered: 0, callbackAttempts: 0 }
    this.jobs.set(job.id, state)
    this.after(this.opts.queueMs, () => this.start(state))
    // The documented timeout: past it the job is ERROR, whatever it was doing.
    if (request.timeout !== undefined) this.expireAt(state, Number(job.timing.createdAt) + request.timeout * 1000)
    return job
  }

  listByCustomId (customId: string): JobWire[] {
    return [...this.jobs.values()].filter((j) => j.job.customId === customId).map((j) => j.job)
  }

  async close (): Promise<void> {
    this.closed = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    await this.callbacks.close()
  }

  private start (s: JobState): void {
    if (s.job.state !== JOB_STATE.SUBMITTED) return
    s.job.state = JOB_STATE.PROCESSING
    s.job.timing.startedAt = String(Date.now())
    const outcome = s.behaviour.outcome
    if (outcome === 'hang' || outcome === 'timeout') return
    const end = outcome === 'fail' ? JOB_STATE.ERROR : outcome === 'cancel' ? JOB_STATE.CANCELED : JOB_STATE.COMPLETED
    this.after(s.behaviour.delayMs ?? this.opts.processMs, () => this.finish(s, end))
  }

  private finish (s: JobState, state: 3 | 4 | 5): void {
    if (s.job.state === JOB_STATE.COMPLETED || s.job.state === JOB_STATE.ERROR || s.job.state === JOB_STATE.CANCELED) return
    if (state === JOB_STATE.COMPLETED) s.job.outputs = s.job.outputs.map((o, n) => this.results(s, o, n))
    s.job.state = state
    s.job.timing.completedAt = String(Date.now())
    this.opts.logger.info({ jobId: s.job.id, state }, 'simulated Tencent job finished')
    // Callbacks come only for the finished states the document names: COMPLETED and ERROR.
    if (state !== JOB_STATE.CANCELED && s.job.callback !== undefined && !s.behaviour.noCallback) void this.notify(s, s.job.callback)
  }

  private results (s: JobState, output: JobWire['outputs'][number], n: number): JobWire['outputs'][number] {
    const g = output.smartContentDescriptor.imageBgmGeneration
    const kind = g.outputType === OUTPUT_TYPE.MP4 ? 'mp4' : 'mp3'
    const prefix = output.smartContentDescriptor.outputPrefix ?? ''
    const names = Array.from({ length: g.songQuantity }, (_, i) => `${prefix}song-${n}-${i}.${kind}`)
    const dir = (output.destination ?? '/').replace(/\/+$/, '')
    for (const name of names) s.files.set(`${dir}/${name}`, kind)
    return { ...output, smartContentResult: { imageBgmGeneration: names.map((name) => kind === 'mp4' ? { videoName: name } : { songName: name }) } }
  }

  private async notify (s: JobState, url: string): Promise<void> {
    const snapshot = structuredClone(s.job)
    await this.callbacks.deliver(s, url, snapshot)
    if (s.behaviour.doubleCallback) await this.callbacks.deliver(s, url, snapshot)
    if (s.behaviour.staleCallback) await this.callbacks.deliver(s, url, { ...snapshot, state: JOB_STATE.PROCESSING, timing: { ...snapshot.timing, completedAt: '0' } })
  }

  /**
   * Ends the job as ERROR once the wall clock its timing is written in reaches `at`. Timers run on
   * the monotonic clock and can fire a millisecond before the wall clock gets there; a job ended
   * then would show less than its timeout and read as a plain failure.
   */
  private expireAt (s: JobState, at: number): void {
    this.after(Math.max(1, at - Date.now()), () => {
      if (Date.now() < at) this.expireAt(s, at)
      else this.finish(s, JOB_STATE.ERROR)
    })
  }

  private after (ms: number, fn: () => void): void {
    if (this.closed) return
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      try { fn() } catch (err) { this.opts.logger.error({ err }, 'simulator timer failed') }
    }, Math.min(ms, 2 ** 31 - 1))
    timer.unref()
    this.timers.add(timer)
  }
}
