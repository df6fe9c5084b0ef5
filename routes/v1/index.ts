import type { FastifyPluginAsync } from 'fastify'
import capabilities from './capabilities.ts'
import deliveries from './deliveries.ts'
import events from './events.ts'
import providers from './providers.ts'
import streamTokens from './stream-tokens.ts'
import tasks from './tasks.ts'
import uploads from './uploads.ts'

/** Everything under /v1 requires an authenticated client. */
const v1: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', app.authenticate)
  app.addHook('onRequest', app.limits.owner)
  // Answers are one client's data: no browser or shared cache may keep them (the SSE routes set it themselves).
  app.addHook('onSend', async (_request, reply) => { reply.header('cache-control', 'no-store') })
  // The API speaks JSON only; anything else is a 415, not a confusing validation error.
  app.removeContentTypeParser('text/plain')
  await app.register(capabilities)
  await app.register(tasks)
  await app.register(events)
  await app.register(streamTokens)
  await app.register(uploads)
  await app.register(deliveries)
  await app.register(providers)
}

export default v1
