import { randomBytes } from 'node:crypto'
import type { FileOutputType } from '../../../tasks/model.ts'
import { ASSET_FORMATS } from '../../simulator-kit/assets.ts'
import { behaviourFor, type Behaviour } from '../../simulator-kit/behaviour.ts'
import { CallbackSender, type SimLogger } from '../../simulator-kit/callback.ts'
import type { CallbackWire as CallbackPayload } from '../schemas.ts'
import { fetchInputs, type FetchedInput, type InputFetchOptions } from './inputs.ts'

export interface EngineOptions {
  queueMs: number
  processMs: number
  progressSteps: number
  callbackTimeoutMs: number
  /** Extra attempts after a callback's first one failed (non-2xx, network error or timeout). */
  callbackRetries: number
  /** Wait before the first retry; each further retry waits twice as long as the one before. */
  callbackRetryDelayMs: number
  logger: SimLogger
  defaultBehaviour?: Partial<Behaviour> | undefined
  /**
   * Also call back with status 2 at every progress step. Not documented upstream (callbacks come
   * "when generation completes"), so off by default, in demo mode too (SIMULATOR_PROGRESS_CALLBACKS).
   */
  progressCallbacks?: boolean | undefined
  /** Fetch the inputs it may reach, and fail the task when one cannot be fetched. */
  inputs?: InputFetchOptions | undefined
}

/** One simulated upstream task, as tests may inspect it. */
export interface SimTask {
  readonly id: string
  readonly endpoint: string
  /** The create body exactly as received (after validation passed). */
  readonly body: Readonly<Record<string, unknown>>
  readonly behaviour: Readonly<Behaviour>
  /** Upstream status: 1 queued, 2 processing, 3 success, 4 failed, 5 canceled, 6 timeout. */
  readonly status: number
  readonly progress: number
  /** JSON-encoded result object; set only with status 3. */
  readonly result?: string | undefined
  /** Set only with status 4, 5 or 6. */
  readonly reason?: string | undefined
  /**
   * Callback attempts the receiver answered, with any HTTP status (so a 500 that gets retried counts
   * once per answer); attempts that got no answer (network error, timeout, close) do not count.
   */
  readonly callbacksSent: number
  /** Every callback attempt started, retries and failures included. */
  readonly callbackAttempts: number
  /**
   * Callback attempts answered 2xx. Each callback is retried until one is, so this is the number of
   * callbacks that got through: 1 normally, plus 1 each for #double-callback and #stale-callback.
   */
  readonly callbacksDelivered: number
  /** File name under /assets/<id>/ to the output type it holds. */
  readonly assets: ReadonlyMap<string, FileOutputType>
  /** Input files fetched so far. */
  readonly fetched: readonly FetchedInput[]
}

interface TaskState extends SimTask {
  status: number
  progress: number
  result?: string | undefined
  reason?: string | undefined
  callbacksSent: number
  callbackAttempts: number
  callbacksDelivered: number
  /** The result the task will report if it succeeds; URLs are fixed at creation. */
  readonly planned: string
  /** Why fetching an input failed, once the fetch is over; null when nothing is fetched. */
  inputProblem: Promise<string | null> | null
}

// setTimeout stores delays as a signed 32-bit int and fires at once above that.
const MAX_DELAY_MS = 2 ** 31 - 1

const FAILURES = {
  fail: { status: 4, reason: 'Simulated failure' },
  cancel: { status: 5, reason: 'Simulated cancellation' },
  timeout: { status: 6, reason: 'Simulated timeout' }
} as const

/** Runs the simulated task lifecycle on timers and delivers callbacks. Knows nothing of HTTP routing. */
export class SimulatorEngine {
  readonly tasks: ReadonlyMap<string, SimTask>
  private readonly states = new Map<string, TaskState>()
  private readonly timers = new Set<NodeJS.Timeout>()
  /** Resolvers of pending pause() calls, so close() can end a backoff instead of stranding it. */
  private readonly sleepers = new Set<() => void>()
  private readonly sender: CallbackSender
  private readonly opts: EngineOptions
  private closed = false

  constructor (opts: EngineOptions) {
    this.opts = {
      ...opts,
      progressSteps: Math.max(1, Math.floor(opts.progressSteps)),
      callbackRetries: Math.max(0, Math.floor(opts.callbackRetries)),
      callbackRetryDelayMs: Math.max(0, opts.callbackRetryDelayMs)
    }
    this.tasks = this.states
    this.sender = new CallbackSender({ timeoutMs: opts.callbackTimeoutMs, logger: opts.logger })
  }

  /** Registers a task in status 1 and starts its lifecycle. `baseUrl` prefixes the asset URLs. */
  create (input: { endpoint: string, body: Record<string, unknown>, outputs: readonly { key: string, type: FileOutputType }[], baseUrl: string }): SimTask {
    const id = randomBytes(16).toString('hex')
    const count = outputCount(input.body)
    const assets = new Map<string, FileOutputType>()
    const result: Record<string, string[]> = {}
    input.outputs.forEach((output, o) => {
      const urls: string[] = []
      for (let i = 0; i < count; i++) {
        // With one output key the names match the documented shape, e.g. /assets/<id>/0.wav.
        const name = `${input.outputs.length === 1 ? '' : `${o}-`}${i}.${ASSET_FORMATS[output.type].ext}`
        assets.set(name, output.type)
        urls.push(`${input.baseUrl}/assets/${id}/${name}`)
      }
      result[output.key] = urls
    })
    const task: TaskState = {
      id,
      endpoint: input.endpoint,
      body: input.body,
      behaviour: behaviourFor(input.body, this.opts.defaultBehaviour),
      status: 1,
      progress: 0,
      callbacksSent: 0,
      callbackAttempts: 0,
      callbacksDelivered: 0,
      assets,
      planned: JSON.stringify(result),
      fetched: [],
      inputProblem: null
    }
    const inputs = this.opts.inputs
    if (inputs) {
      task.inputProblem = fetchInputs(input.body, inputs).then(({ fetched, problem }) => {
        (task.fetched as FetchedInput[]).push(...fetched)
        return problem
      })
    }
    this.states.set(id, task)
    this.after(this.opts.queueMs, () => this.process(task, 1))
    return task
  }

  /** Stops every timer, retry backoff and in-flight callback; tasks freeze where they are. */
  async close (): Promise<void> {
    this.closed = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    for (const wake of this.sleepers) wake()
    this.sleepers.clear()
    await this.sender.close()
  }

  private process (task: TaskState, step: number): void {
    const steps = this.opts.progressSteps
    task.status = 2
    task.progress = Math.floor((100 * step) / (steps + 1))
    const url = task.body.callback
    if (this.opts.progressCallbacks && typeof url === 'string' && !task.behaviour.noCallback) {
      const params = typeof task.body.params === 'string' ? { params: task.body.params } : {}
      void this.deliver(task, url, { task_id: task.id, status: 2, progress: task.progress, ...params })
    }
    const stepMs = (task.behaviour.delayMs ?? this.opts.processMs) / steps
    if (step < steps) this.after(stepMs, () => this.process(task, step + 1))
    else if (task.behaviour.outcome !== 'hang') this.after(stepMs, () => { this.finish(task) })
  }

  private finish (task: TaskState): void {
    // Without inputs to fetch the task ends on this very tick, which fake-timer tests rely on.
    if (task.inputProblem === null) return this.settle(task, null)
    task.inputProblem.then((problem) => { if (!this.closed) this.settle(task, problem) }, () => {})
  }

  private settle (task: TaskState, inputProblem: string | null): void {
    const lastProgress = task.progress
    const outcome = task.behaviour.outcome
    if (inputProblem !== null) {
      task.status = 4
      task.reason = inputProblem
    // A hanging task never gets here; 'hang' is listed only so the failure lookup type-checks.
    } else if (outcome === 'success' || outcome === 'hang') {
      task.status = 3
      task.progress = 100
      task.result = task.planned
    } else {
      task.status = FAILURES[outcome].status
      task.reason = FAILURES[outcome].reason
    }
    this.opts.logger.info({ taskId: task.id, status: task.status }, 'simulated task finished')
    void this.notify(task, lastProgress)
  }

  private async notify (task: TaskState, lastProgress: number): Promise<void> {
    const url = task.body.callback
    if (typeof url !== 'string' || task.behaviour.noCallback) return
    const params = typeof task.body.params === 'string' ? { params: task.body.params } : {}
    const terminal: CallbackPayload = {
      task_id: task.id,
      status: task.status,
      ...(task.result !== undefined ? { result: task.result } : {}),
      ...(task.reason !== undefined ? { reason: task.reason } : {}),
      ...params
    }
    await this.deliver(task, url, terminal)
    if (task.behaviour.doubleCallback) await this.deliver(task, url, terminal)
    if (task.behaviour.staleCallback) {
      await this.deliver(task, url, { task_id: task.id, status: 2, progress: lastProgress, ...params })
    }
  }

  /**
   * Sends one callback, retrying with exponential backoff until the receiver answers 2xx, the
   * retries run out or the simulator closes. Every attempt carries the very same payload.
   */
  private async deliver (task: TaskState, url: string, payload: CallbackPayload): Promise<void> {
    const attempts = 1 + this.opts.callbackRetries
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1 && !(await this.pause(this.backoff(attempt)))) return
      if (this.closed) return
      task.callbackAttempts++
      const status = await this.sender.send(url, payload, attempt)
      if (status !== null) task.callbacksSent++
      if (status !== null && status >= 200 && status < 300) {
        task.callbacksDelivered++
        return
      }
      if (this.closed) return
    }
    // The URL may carry a per-task token, so it stays out of the log, as in the sender.
    this.opts.logger.warn({ taskId: task.id, status: payload.status, attempts }, 'callback abandoned after the last retry')
  }

  /** Wait before `attempt` (2 or more): the base delay, then twice the previous wait each time. */
  private backoff (attempt: number): number {
    return Math.min(this.opts.callbackRetryDelayMs * 2 ** (attempt - 2), MAX_DELAY_MS)
  }

  /** Resolves true after `ms`, or false as soon as the simulator closes. */
  private pause (ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.closed) return resolve(false)
      const wake = (): void => resolve(false)
      this.sleepers.add(wake)
      this.after(ms, () => {
        this.sleepers.delete(wake)
        resolve(true)
      })
    })
  }

  /** setTimeout that never keeps the process alive, dies with close() and never throws out. */
  private after (ms: number, fn: () => void): void {
    if (this.closed) return
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      try {
        fn()
      } catch (err) {
        this.opts.logger.error({ err }, 'simulator timer failed')
      }
    }, ms)
    timer.unref()
    this.timers.add(timer)
  }
}

/** How many files each output key holds: the request's qty, batch_size or image_num, else 1. */
export function outputCount (body: Readonly<Record<string, unknown>>): number {
  for (const key of ['qty', 'batch_size', 'image_num']) {
    const value = body[key]
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return Math.min(value, 10)
  }
  return 1
}
