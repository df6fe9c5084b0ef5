import { z } from 'zod'

/**
 * Tencent Multimedia Lab's job API as it travels on the wire, written once: the client builds and
 * parses with these, the simulator validates with them. Enums travel as their numbers (the document
 * lists number + name; its examples send numbers, e.g. `"state": 1`). See DISAGREEMENTS.md.
 */

export const SONG_TYPE = { LARGE_MODEL: 1, MULTITRACK: 2 } as const
export const OUTPUT_TYPE = { MP3: 1, MP4: 2 } as const
export const SONG_EMOTION = {
  HAPPY: 1, SAD: 2, ROMANTIC: 3, QUIET: 4, LAZY: 5, EXCITING: 6, MAGNIFICENT: 7, FUNNY: 8, FEAR: 9, WARM: 10, ANGRY: 11
} as const
export const SONG_GENRE = { POP: 1, CLASSICAL: 2, CHINA: 3, SOFT: 4, JAZZ: 5 } as const
export const JOB_STATE = { SUBMITTED: 1, PROCESSING: 2, COMPLETED: 3, ERROR: 4, CANCELED: 5 } as const
/** Emotions the document allows only with the MULTITRACK song type. */
export const MULTITRACK_ONLY_EMOTIONS: readonly number[] = [SONG_EMOTION.WARM, SONG_EMOTION.ANGRY]

const values = <T extends Record<string, number>>(e: T) => z.literal(Object.values(e) as T[keyof T][])

export const ImageBgmGenerationSchema = z.object({
  songQuantity: z.int().min(1).max(100),
  outputType: values(OUTPUT_TYPE).optional(),
  emotion: values(SONG_EMOTION).optional(),
  genre: values(SONG_GENRE).optional(),
  type: values(SONG_TYPE).optional()
}).superRefine((g, ctx) => {
  const multitrack = g.type === SONG_TYPE.MULTITRACK
  if (g.emotion !== undefined && MULTITRACK_ONLY_EMOTIONS.includes(g.emotion) && !multitrack) {
    ctx.addIssue({ code: 'custom', path: ['emotion'], message: 'WARM and ANGRY need type MULTITRACK' })
  }
  if (g.genre !== undefined && multitrack) ctx.addIssue({ code: 'custom', path: ['genre'], message: 'MULTITRACK takes no genre' })
})
export type ImageBgmGeneration = z.infer<typeof ImageBgmGenerationSchema>

export const InputSchema = z.union([
  z.object({ url: z.string().min(1), source: z.never().optional() }),
  z.object({ source: z.object({ contentId: z.string(), path: z.string() }), url: z.never().optional() })
])

export const OutputSchema = z.object({
  contentId: z.string().optional(),
  destination: z.string().optional(),
  inputSelectors: z.array(z.int().min(0)).optional(),
  smartContentDescriptor: z.object({
    outputPrefix: z.string().max(19).optional(),
    imageBgmGeneration: ImageBgmGenerationSchema
  }),
  smartContentResult: z.object({
    imageBgmGeneration: z.array(z.object({ songName: z.string().optional(), videoName: z.string().optional() }))
  }).optional()
})
export type Output = z.infer<typeof OutputSchema>

export const CreateJobRequestSchema = z.object({
  inputs: z.array(InputSchema).min(1),
  outputs: z.array(OutputSchema.omit({ smartContentResult: true })).min(1),
  callback: z.string().optional(),
  customId: z.string().max(63).optional(),
  timeout: z.int().min(1).optional()
})
export type CreateJobRequest = z.infer<typeof CreateJobRequestSchema>

/** Milliseconds since the epoch; the examples send strings ("0" until it happened), numbers are tolerated. */
const Millis = z.union([z.string().regex(/^\d+$/), z.int().min(0)]).transform(Number)

export const JobSchema = z.object({
  id: z.string().min(1),
  state: values(JOB_STATE),
  customId: z.string().optional(),
  callback: z.string().optional(),
  timeout: z.int().optional(),
  inputs: z.array(InputSchema),
  outputs: z.array(OutputSchema),
  timing: z.object({ createdAt: Millis, startedAt: Millis, completedAt: Millis })
})
export type Job = z.output<typeof JobSchema>
/** The Job as the simulator writes it: timing as decimal strings, like the document's examples. */
export type JobWire = z.input<typeof JobSchema>

const Secrets = { secretId: z.string().min(1), secretKey: z.string().min(1) }

export const ActionRequestSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('CreateJob'), ...Secrets, createJobRequest: CreateJobRequestSchema }),
  z.object({ action: z.literal('GetJob'), ...Secrets, getJobRequest: z.object({ id: z.string().min(1) }) }),
  z.object({ action: z.literal('ListJobs'), ...Secrets, listJobsRequest: z.object({ customId: z.string().min(1) }) })
])
export type ActionRequest = z.infer<typeof ActionRequestSchema>

export const CreateJobResponseSchema = z.object({ requestId: z.string(), createJobResponse: z.object({ job: JobSchema }) })
export const GetJobResponseSchema = z.object({ requestId: z.string(), getJobResponse: z.object({ job: JobSchema }) })
export const ListJobsResponseSchema = z.object({
  requestId: z.string(),
  listJobsResponse: z.object({ jobs: z.array(JobSchema), total: z.int().min(0) })
})

/**
 * Failures are undocumented; we chose the Tencent Cloud API convention of an `error` object with a
 * code and message beside the requestId (see DISAGREEMENTS.md).
 */
export const ErrorResponseSchema = z.object({
  requestId: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() })
})

/** The callback body: the whole Job, exactly as GetJob shows it. The client parses callbacks with it; the simulator writes CallbackWire. */
export const CallbackSchema = JobSchema
export type CallbackWire = z.input<typeof CallbackSchema>
