/**
 * Decorates `fastify.tasks`, the task service that owns the state machine.
 * Depends on config, gateway, store and bus.
 */
import fp from 'fastify-plugin'
import { createTaskService, type TaskService } from '../src/tasks/service.ts'

declare module 'fastify' {
  interface FastifyInstance { tasks: TaskService }
}

export default fp(async function tasks (fastify) {
  fastify.decorate('tasks', createTaskService({
    store: fastify.taskStore,
    events: fastify.eventLog,
    bus: fastify.eventBus,
    gateway: fastify.gateway,
    publicUrl: fastify.config.publicUrl,
    log: fastify.log,
    maxActivePerOwner: fastify.config.maxActiveTasksPerOwner,
    verifyCallbacks: fastify.config.webhookVerify
  }))
}, { name: 'tasks', dependencies: ['config', 'gateway', 'store', 'bus'] })
