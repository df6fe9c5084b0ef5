import type { OutgoingHttpHeaders } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { principalOf } from '../../plugins/auth.ts'
import { BffError, ErrorSchema } from '../../src/errors.ts'
import { openFeed, type FeedOptions } from '../../src/sse/feed.ts'
import { SseEventDataSchema } from '../../src/sse/schemas.ts'

const EventId = z.string().regex(/^\d{1,15}$/, 'must be a non-negative integer')
const StreamQuerySchema = z.object({
  lastEventId: EventId.optional().describe('Resume after this event id (for clients that cannot send the Last-Event-ID header)'),
  token: z.string().max(4096).optional().describe('A stream token from POST /v1/stream-tokens, for clients that cannot send Authorization')
})
// Documents the header; lastEventIdOf reads it (an empty value means none).
const StreamHeadersSchema = z.object({
  'last-event-id': z.string().optional().describe('Resume after this event id (EventSource sends it by itself on reconnect)')
})

const streamResponse = {
  200: {
    description: 'A text/event-stream: `event:` names the event, `id:` is the event id, `data:` is JSON (see SseEventData)',
    content: { 'text/event-stream': { schema: SseEventDataSchema } }
  },
  400: ErrorSchema,
  401: ErrorSchema,
  404: ErrorSchema,
  429: ErrorSchema
}

function lastEventIdOf (request: FastifyRequest, query: { lastEventId?: string | undefined }): number | undefined {
  const raw = request.headers['last-event-id'] ?? query.lastEventId
  if (raw === undefined || raw === '') return undefined
  const parsed = EventId.safeParse(raw)
  if (!parsed.success) throw new BffError('BFF_ERR_VALIDATION', 'Last-Event-ID must be a non-negative integer', { issues: [{ path: 'headers.last-event-id', message: 'must be a non-negative integer' }] })
  return Number(parsed.data)
}

const events: FastifyPluginAsyncZod = async (app) => {
  async function stream (request: FastifyRequest, reply: FastifyReply, feed: FeedOptions): Promise<FastifyReply> {
    const release = await app.streamCaps.acquire(feed.owner, request.ip)
    const sse = app.openSse()
    // Fires once, however the stream ends: a failed start, the client leaving, shutdown.
    sse.onClose(release)
    let run: () => Promise<void>
    try {
      const resume = { log: app.replayReads, maxEvents: app.config.sse.replayHorizon }
      ;({ run } = await openFeed(sse, { service: app.tasks, tails: app.eventTails, resume }, feed))
    } catch (err) {
      sse.end()
      throw err
    }
    // Watched tasks get progress polls while the stream is open (src/progress).
    sse.onClose(app.progress.watch(feed))
    request.log.info({ taskId: feed.taskId, lastEventId: feed.lastEventId }, 'event stream opened')
    reply.raw.once('close', () => {
      sse.end()
      request.log.info({ taskId: feed.taskId }, 'event stream closed')
    })
    // Written straight to the socket: Fastify's stream path would put a PassThrough and a pipe in between.
    reply.hijack()
    sse.attach(reply.raw, {
      ...(reply.getHeaders() as OutgoingHttpHeaders),
      'content-type': 'text/event-stream; charset=utf-8',
      // Authenticated content: no cache, shared or private, may keep it.
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff'
    })
    // The client resumes with Last-Event-ID from what it got before a failed replay.
    run().catch((err: unknown) => {
      request.log.warn({ err, taskId: feed.taskId }, 'event replay failed')
      sse.end()
    })
    return reply
  }

  app.get('/tasks/:id/events', {
    schema: {
      operationId: 'streamTaskEvents',
      tags: ['events'],
      summary: "One task's events; ends after its terminal event",
      description: 'Sends the current state first, or with `Last-Event-ID` exactly the events missed since that id.',
      security: [{ bearerAuth: [] }],
      params: z.object({ id: z.string().min(1).max(100) }),
      querystring: StreamQuerySchema,
      headers: StreamHeadersSchema,
      response: streamResponse
    },
    config: { streamToken: true, stream: true, securityHeaders: false }
  }, async (request, reply) => stream(request, reply, {
    owner: principalOf(request).owner,
    taskId: request.params.id,
    lastEventId: lastEventIdOf(request, request.query)
  }))

  app.get('/events', {
    schema: {
      operationId: 'streamEvents',
      tags: ['events'],
      summary: "Events of all the caller's tasks",
      description: 'Sends the current state of unfinished tasks first, or with `Last-Event-ID` exactly the events missed since that id.',
      security: [{ bearerAuth: [] }],
      querystring: StreamQuerySchema,
      headers: StreamHeadersSchema,
      response: streamResponse
    },
    config: { streamToken: true, stream: true, securityHeaders: false }
  }, async (request, reply) => stream(request, reply, {
    owner: principalOf(request).owner,
    lastEventId: lastEventIdOf(request, request.query)
  }))
}

export default events
