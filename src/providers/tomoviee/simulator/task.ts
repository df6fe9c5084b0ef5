import { randomBytes } from 'node:crypto'
import type { FileOutputType } from '../../../tasks/model.ts'
import { ASSET_FORMATS } from '../../simulator-kit/assets.ts'
import { behaviourFor, type Behaviour } from '../../simulator-kit/behaviour.ts'
import type { FetchedInput } from './inputs.ts'

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

export interface TaskState extends SimTask {
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

export interface NewTask {
  endpoint: string
  body: Record<string, unknown>
  outputs: readonly { key: string, type: FileOutputType }[]
  /** Prefixes the asset URLs. */
  baseUrl: string
}

/** A task in status 1, with the result (asset names and URLs) it will report if it succeeds. */
export function newTask (input: NewTask, defaultBehaviour: Partial<Behaviour> | undefined): TaskState {
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
  return {
    id,
    endpoint: input.endpoint,
    body: input.body,
    behaviour: behaviourFor(input.body, defaultBehaviour),
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
}

/** What a failing outcome ends in: upstream status and reason. */
export const FAILURES = {
  fail: { status: 4, reason: 'Simulated failure' },
  cancel: { status: 5, reason: 'Simulated cancellation' },
  timeout: { status: 6, reason: 'Simulated timeout' }
} as const

/** How many files each output key holds: the request's qty, batch_size or image_num, else 1. */
export function outputCount (body: Readonly<Record<string, unknown>>): number {
  for (const key of ['qty', 'batch_size', 'image_num']) {
    const value = body[key]
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return Math.min(value, 10)
  }
  return 1
}
