import type { FastifyPluginAsync } from 'fastify'
import events from './events.ts'
import tasks from './tasks.ts'

/** Everything under /v1 requires an authenticated client. */
const v1: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', app.authenticate)
  await app.register(tasks)
  await app.register(events)
}

export default v1
