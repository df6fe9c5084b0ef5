import type { Behaviour } from '../../simulator-kit/behaviour.ts'
import type { CallbackWire as CallbackPayload } from '../wire.ts'
import { CallbackDelivery, type DeliveryOptions } from './delivery.ts'
import { fetchInputs, type FetchedInput, type InputFetchOptions } from './inputs.ts'
import { FAILURES, newTask, type NewTask, type SimTask, type TaskState } from './task.ts'
import { EngineTimers } from './timers.ts'

export { outputCount, type SimTask } from './task.ts'

export interface EngineOptions extends DeliveryOptions {
  queueMs: number
  processMs: number
  progressSteps: number
  defaultBehaviour?: Partial<Behaviour> | undefined
  /**
   * Also call back with status 2 at every progress step. Not documented upstream (callbacks come
   * "when generation completes"), so off by default, in demo mode too (SIMULATOR_PROGRESS_CALLBACKS).
   */
  progressCallbacks?: boolean | undefined
  /** Fetch the inputs it may reach, and fail the task when one cannot be fetched. */
  inputs?: InputFetchOptions | undefined
}

/** Runs the simulated task lifecycle on timers and delivers callbacks. Knows nothing of HTTP routing. */
export class SimulatorEngine {
  readonly tasks: ReadonlyMap<string, SimTask>
  private readonly states = new Map<string, TaskState>()
  private readonly timers: EngineTimers
  private readonly delivery: CallbackDelivery
  private readonly opts: EngineOptions

  constructor (opts: EngineOptions) {
    this.opts = {
      ...opts,
      progressSteps: Math.max(1, Math.floor(opts.progressSteps)),
      callbackRetries: Math.max(0, Math.floor(opts.callbackRetries)),
      callbackRetryDelayMs: Math.max(0, opts.callbackRetryDelayMs)
    }
    this.tasks = this.states
    this.timers = new EngineTimers(opts.logger)
    this.delivery = new CallbackDelivery(this.opts, this.timers)
  }

  /** Registers a task in status 1 and starts its lifecycle. `baseUrl` prefixes the asset URLs. */
  create (input: NewTask): SimTask {
    const task = newTask(input, this.opts.defaultBehaviour)
    const inputs = this.opts.inputs
    if (inputs) {
      task.inputProblem = fetchInputs(input.body, inputs).then(({ fetched, problem }) => {
        (task.fetched as FetchedInput[]).push(...fetched)
        return problem
      })
    }
    this.states.set(task.id, task)
    this.timers.after(this.opts.queueMs, () => this.process(task, 1))
    return task
  }

  /** Stops every timer, retry backoff and in-flight callback; tasks freeze where they are. */
  async close (): Promise<void> {
    this.timers.close()
    await this.delivery.close()
  }

  private process (task: TaskState, step: number): void {
    const steps = this.opts.progressSteps
    task.status = 2
    task.progress = Math.floor((100 * step) / (steps + 1))
    const url = task.body.callback
    if (this.opts.progressCallbacks && typeof url === 'string' && !task.behaviour.noCallback) {
      const params = typeof task.body.params === 'string' ? { params: task.body.params } : {}
      void this.delivery.deliver(task, url, { task_id: task.id, status: 2, progress: task.progress, ...params })
    }
    const stepMs = (task.behaviour.delayMs ?? this.opts.processMs) / steps
    if (step < steps) this.timers.after(stepMs, () => this.process(task, step + 1))
    else if (task.behaviour.outcome !== 'hang') this.timers.after(stepMs, () => { this.finish(task) })
  }

  private finish (task: TaskState): void {
    // Without inputs to fetch the task ends on this very tick, which fake-timer tests rely on.
    if (task.inputProblem === null) return this.settle(task, null)
    task.inputProblem.then((problem) => { if (!this.timers.closed) this.settle(task, problem) }, () => {})
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
    await this.delivery.deliver(task, url, terminal)
    if (task.behaviour.doubleCallback) await this.delivery.deliver(task, url, terminal)
    if (task.behaviour.staleCallback) {
      await this.delivery.deliver(task, url, { task_id: task.id, status: 2, progress: lastProgress, ...params })
    }
  }
}
