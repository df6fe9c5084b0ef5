import { randomUUID } from 'node:crypto'
import { parseBehaviour, PLAIN_BEHAVIOUR, type Behaviour } from '../../simulator-kit/behaviour.ts'
import type { ModelSpec } from '../models.ts'

/** Which of the document's two status vocabularies a task speaks. */
export type Vocabulary = 'skill' | 'reference'
const WORDS: Record<Vocabulary, { queued: string, done: string }> = {
  skill: { queued: 'waiting', done: 'completed' },
  reference: { queued: 'pending', done: 'succeeded' }
}
/** Reported while processing by tasks created with `#unknown-status`. */
export const UNKNOWN_STATUS = 'rendering'

export interface SimFile { kind: 'png' | 'mp4', width: number, height: number, seconds: number, seed: number }

export interface MediaioSimTask {
  readonly id: string
  readonly model: ModelSpec
  readonly data: Readonly<Record<string, string | string[]>>
  readonly behaviour: Readonly<Behaviour>
  readonly unknownStatus: boolean
  readonly vocabulary: Vocabulary
  /** Upstream status word as last reported. */
  status: string
  /** File name to what it holds; filled on success. */
  readonly files: Map<string, SimFile>
  /** Task Result calls answered for it. */
  polls: number
}

export interface MediaioEngineOptions {
  queueMs: number
  processMs: number
  /** Long side of generated pictures at 1K, in pixels. */
  imageLongSide: number
  /** Video frame height per upstream resolution line ("720P" is 720 × this). */
  videoScale: number
  vocabulary: Vocabulary | 'alternate'
  /** Builds the public URL of a file. */
  fileUrl: (name: string) => string
}

const RESOLUTION_K: Record<string, number> = { '1K': 1, '2K': 2, '4K': 4 }

function ratioOf (data: Readonly<Record<string, unknown>>, m: ModelSpec): [number, number] {
  const text = (m.ratio ? data[m.ratio.field] as string | undefined : undefined) ?? m.ratio?.default ?? '16:9'
  const [w, h] = text.split(':').map(Number)
  return [w || 16, h || 9]
}

/** What the simulated model makes for a create body: sizes from the ratio and resolution, length from the duration. */
export function plannedFiles (m: ModelSpec, data: Readonly<Record<string, unknown>>, opts: Pick<MediaioEngineOptions, 'imageLongSide' | 'videoScale'>, seed: number): SimFile[] {
  const [rw, rh] = ratioOf(data, m)
  if (m.kind === 'text-to-image' || m.kind === 'image-to-image') {
    const long = opts.imageLongSide * (RESOLUTION_K[(data.resolution as string | undefined) ?? m.resolution?.default ?? '1K'] ?? 1)
    const [width, height] = rw >= rh ? [long, Math.round((long * rh) / rw)] : [Math.round((long * rw) / rh), long]
    const count = Number(data.counts ?? m.counts?.default ?? 1)
    return Array.from({ length: count }, (_, n) => ({ kind: 'png', width, height, seconds: 0, seed: seed + n }))
  }
  const lines = Number.parseInt((data.resolution as string | undefined) ?? m.resolution?.default ?? '720P', 10)
  // Image-to-video follows the picture; without a ratio field we assume 16:9.
  const height = Math.min(480, Math.max(16, Math.round((lines * opts.videoScale) / 16) * 16))
  const width = Math.min(640, Math.max(16, Math.round((height * rw) / rh / 16) * 16))
  const seconds = Number.parseInt((data.duration as string | undefined) ?? `${m.duration?.default ?? 5}`, 10)
  return [{ kind: 'mp4', width, height, seconds, seed }]
}

/** The task lifecycle on timers: queued, processing, then success, failed or timeout (or never). */
export class MediaioEngine {
  readonly tasks = new Map<string, MediaioSimTask>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private created = 0
  private closed = false
  private readonly opts: MediaioEngineOptions
  constructor (opts: MediaioEngineOptions) {
    this.opts = opts
  }

  create (model: ModelSpec, data: Record<string, string | string[]>): MediaioSimTask {
    const prompt = typeof data.prompt === 'string' ? data.prompt : ''
    const vocabulary = this.opts.vocabulary === 'alternate' ? (this.created++ % 2 === 0 ? 'skill' : 'reference') : this.opts.vocabulary
    const task: MediaioSimTask = {
      id: randomUUID().replaceAll('-', ''),
      model,
      data,
      behaviour: parseBehaviour(prompt) ?? PLAIN_BEHAVIOUR,
      unknownStatus: /(?<![\w#-])#unknown-status(?![\w-])/i.test(prompt),
      vocabulary,
      status: WORDS[vocabulary].queued,
      files: new Map(),
      polls: 0
    }
    this.tasks.set(task.id, task)
    this.after(this.opts.queueMs, () => this.start(task))
    return task
  }

  /** The `result` of a finished task: an array of objects with a url (our reading; see DISAGREEMENTS.md). */
  resultOf (task: MediaioSimTask): unknown {
    return [...task.files.keys()].map((name) => ({ url: this.opts.fileUrl(name), type: task.files.get(name)!.kind === 'png' ? 'image' : 'video' }))
  }

  fileOf (name: string): SimFile | undefined {
    for (const task of this.tasks.values()) {
      const file = task.files.get(name)
      if (file) return file
    }
    return undefined
  }

  close (): void {
    this.closed = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
  }

  private start (task: MediaioSimTask): void {
    task.status = task.unknownStatus ? UNKNOWN_STATUS : 'processing'
    const outcome = task.behaviour.outcome
    if (outcome === 'hang') return
    this.after(task.behaviour.delayMs ?? this.opts.processMs, () => this.finish(task))
  }

  private finish (task: MediaioSimTask): void {
    const outcome = task.behaviour.outcome
    if (outcome === 'fail' || outcome === 'cancel') {
      task.status = 'failed'
      return
    }
    if (outcome === 'timeout') {
      task.status = 'timeout'
      return
    }
    const seed = Number.parseInt(task.id.slice(0, 6), 16)
    for (const [n, file] of plannedFiles(task.model, task.data, this.opts, seed).entries()) {
      task.files.set(`${task.id}-${n}.${file.kind}`, file)
    }
    task.status = WORDS[task.vocabulary].done
  }

  private after (ms: number, fn: () => void): void {
    if (this.closed) return
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      fn()
    }, Math.min(ms, 2 ** 31 - 1))
    timer.unref()
    this.timers.add(timer)
  }
}
