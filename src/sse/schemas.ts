import { z } from 'zod'
import { TASK_EVENT_TYPES, TaskSchema } from '../tasks/model.ts'
import { RESUME_GAPS } from '../tasks/resume.ts'

/** The `event:` names a stream can carry. */
export const SSE_EVENT_NAMES = [...TASK_EVENT_TYPES, 'task.reset', 'tasks.reset', 'shutdown'] as const
export const SseEventNameSchema = z.enum(SSE_EVENT_NAMES).meta({
  id: 'SseEventName',
  description: '`task.<status>` and `task.reset` carry a Task, `tasks.reset` a TasksReset, `shutdown` a ShutdownNotice'
})

export const TasksResetSchema = z.object({
  reason: z.enum(RESUME_GAPS).describe('Why the history could not be replayed: its events were deleted, this server never issued the id, or it is older than the replay horizon'),
  tasks: z.array(TaskSchema).describe('The current state of the unfinished tasks; list the others with GET /v1/tasks')
}).meta({ id: 'TasksReset' })

export const ShutdownNoticeSchema = z.object({
  reason: z.string()
}).meta({ id: 'ShutdownNotice', description: 'The server is closing this stream; reconnect (with Last-Event-ID) after the retry delay' })

/** The JSON in an event's `data:` line: the bare task for task events, otherwise by event name. */
export const SseEventDataSchema = z.union([TaskSchema, TasksResetSchema, ShutdownNoticeSchema]).meta({
  id: 'SseEventData',
  description: 'The JSON `data` of one event. `task.<status>` (and `task.reset`, when the history since ' +
    'Last-Event-ID is gone): the task after the change. `tasks.reset`: a TasksReset. `shutdown`: a ShutdownNotice. ' +
    'Comments (heartbeats) and bare `id:` lines carry no data.'
})

/** One frame on the wire, for readers that want the whole shape (`data` is JSON text). */
export const SseFrameSchema = z.object({
  id: z.string().regex(/^\d+$/).describe('The event id: send it back as Last-Event-ID to resume after it'),
  event: SseEventNameSchema,
  data: z.string().meta({ contentMediaType: 'application/json', contentSchema: { $ref: '#/components/schemas/SseEventData' } })
}).meta({ id: 'SseFrame' })
