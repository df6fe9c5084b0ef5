import { z } from 'zod'
import { ErrorCodeSchema } from '../errors.ts'
import { MetadataSchema, type Metadata } from './metadata.ts'

export const TASK_STATUSES = ['queued', 'processing', 'succeeded', 'failed', 'canceled', 'timed_out'] as const
export const TaskStatusSchema = z.enum(TASK_STATUSES).meta({ id: 'TaskStatus' })
export type TaskStatus = z.infer<typeof TaskStatusSchema>

export const TERMINAL_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'canceled', 'timed_out']

/** Kinds of output that are files behind a URL; `vector` is an SVG drawing (issue 14). */
export const FILE_OUTPUT_TYPES = ['audio', 'video', 'image', 'mask', 'vector'] as const
export const FileOutputTypeSchema = z.enum(FILE_OUTPUT_TYPES)
export type FileOutputType = z.infer<typeof FileOutputTypeSchema>

/** Every kind of output: the file kinds, plus `source`, text carried inline (a diagram's source). */
export const OutputTypeSchema = z.enum([...FILE_OUTPUT_TYPES, 'source']).meta({ id: 'OutputType' })
export type OutputType = z.infer<typeof OutputTypeSchema>

export const OutputCustodySchema = z.object({
  status: z.enum(['stored', 'failed', 'expired'])
    .describe('stored: `url` is the BFF\'s own copy; failed: the copy failed and `url` is the gateway\'s; expired: the copy was deleted after the retention period'),
  expiresAt: z.iso.datetime().optional().describe('When the copy (and its link) expires'),
  error: z.string().optional().describe('Why the copy failed'),
  retrying: z.boolean().optional().describe('A failed copy is retried in the background; a later task event carries the replaced URL')
}).meta({ id: 'OutputCustody' })
export type OutputCustody = z.infer<typeof OutputCustodySchema>

export const FileOutputSchema = z.object({
  type: FileOutputTypeSchema,
  url: z.string().describe('Where the generated file can be downloaded: with custody on, a signed BFF link that needs no Authorization header and answers byte ranges'),
  sourceUrl: z.string().optional().describe('The gateway\'s original URL, which may stop working at any time'),
  custody: OutputCustodySchema.optional()
}).meta({ id: 'FileOutput' })
export type FileOutput = z.infer<typeof FileOutputSchema>

// Text small enough to travel in the task itself; there is no file to copy or link to.
export const SourceOutputSchema = z.object({
  type: z.literal('source'),
  format: z.string().describe('The language of `text`: "mermaid", or the provider\'s own format (e.g. "edrawmax")'),
  text: z.string().describe('The source text, for a UI to show and let the user edit')
}).meta({ id: 'SourceOutput' })
export type SourceOutput = z.infer<typeof SourceOutputSchema>

export const OutputSchema = z.discriminatedUnion('type', [FileOutputSchema, SourceOutputSchema]).meta({ id: 'Output' })
export type Output = z.infer<typeof OutputSchema>

export const isFileOutput = (o: Output): o is FileOutput => o.type !== 'source'

export const TaskErrorSchema = z.object({ code: ErrorCodeSchema, message: z.string() }).meta({ id: 'TaskError' })
export type TaskError = z.infer<typeof TaskErrorSchema>

export const TaskSchema = z.object({
  id: z.string(),
  capability: z.string(),
  provider: z.string().describe('The upstream service that runs the task (tomoviee, tencent, ...)'),
  status: TaskStatusSchema,
  progress: z.int().min(0).max(100).describe('Completion percentage as last reported'),
  input: z.record(z.string(), z.unknown()).describe('The request body the task was created with'),
  outputs: z.array(OutputSchema),
  error: TaskErrorSchema.nullable(),
  metadata: MetadataSchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime()
}).meta({ id: 'Task' })
export type Task = z.infer<typeof TaskSchema>

/** What the store keeps: the public task plus fields that never leave the server. */
export interface TaskRecord extends Omit<Task, 'metadata'> {
  /** Absent on tasks stored before metadata existed, and on those created without. */
  metadata?: Metadata | undefined
  owner: string
  upstreamTaskId: string | null
  /** sha256 of the per-task callback token; the token itself is never stored. */
  callbackTokenHash: string
  /** Incremented on every write; used for compare-and-set. */
  version: number
  /** When the reconciler should next ask the gateway (ms since the epoch); null once finished. */
  nextCheckAt: number | null
  /** After this (ms since the epoch) an unfinished task is given up as timed out. */
  deadlineAt: number
  /** Reconciliation polls so far, for backoff. */
  checkAttempts: number
}

export type TaskEventType = `task.${TaskStatus}`
export const TASK_EVENT_TYPES = TASK_STATUSES.map((s): TaskEventType => `task.${s}`) as [TaskEventType, ...TaskEventType[]]
export const TaskEventTypeSchema = z.enum(TASK_EVENT_TYPES).meta({ id: 'TaskEventType', description: '`task.<status>`: the status the task moved to' })

/**
 * One state change, the unit of the event log: the SSE event (`id:`, `event:` = type, `data:` =
 * task), and the webhook message built from it. Written once; the client's type is generated from it.
 */
export const TaskEventSchema = z.object({
  id: z.int().positive().describe('Monotonic event id, also the SSE id (send it back as Last-Event-ID)'),
  type: TaskEventTypeSchema,
  task: TaskSchema
}).meta({ id: 'TaskEvent', description: 'A state change: `type` is `task.<status>` and `task` the full task after it' })

/** A task event as the server keeps it: the public event plus its owner, which never leaves the server. */
export type TaskEvent = z.infer<typeof TaskEventSchema> & { owner: string }

export function toPublicTask (r: TaskRecord): Task {
  return {
    id: r.id,
    capability: r.capability,
    provider: r.provider,
    status: r.status,
    progress: r.progress,
    input: r.input,
    outputs: r.outputs.map(withExpiry),
    error: r.error,
    metadata: r.metadata ?? {},
    createdAt: r.createdAt,
    updatedAt: r.updatedAt
  }
}

/** A stored copy past its retention says so, whenever the task is read. */
function withExpiry (o: Output): Output {
  if (!isFileOutput(o)) return o
  const expiresAt = o.custody?.status === 'stored' ? o.custody.expiresAt : undefined
  return expiresAt !== undefined && Date.parse(expiresAt) <= Date.now() ? { ...o, custody: { ...o.custody!, status: 'expired' } } : o
}
