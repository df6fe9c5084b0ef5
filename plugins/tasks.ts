/**
 * Decorates `fastify.tasks`, the task service that owns the state machine, with the input URL
 * policy, upload references and (when INPUT_PREFLIGHT is on) the pre-flight check it owns.
 * Depends on config, providers, store, bus, metrics, media and custody.
 */
import fp from 'fastify-plugin'
import type { Config } from '../src/config.ts'
import { findProvider, PROVIDERS } from '../src/providers/registry.ts'
import { inputUrlPolicy, outputUrlPolicy } from '../src/security/policies.ts'
import { createPreflight, DEFAULT_ACCEPT } from '../src/security/preflight.ts'
import { createTaskService, type TaskService } from '../src/tasks/service.ts'
import { createUploadReferences } from '../src/uploads/references.ts'

declare module 'fastify' {
  interface FastifyInstance { tasks: TaskService }
}

/** The longest one upstream call may take, over every provider. */
export function upstreamTimeoutMs (config: Config): number {
  return Math.max(...PROVIDERS.map((p) => p.timeoutMs(config)))
}

/**
 * The longest a create can wait on its provider, retries and their backoff included, plus a margin.
 * Synchronous providers do not count: their calls run in this process's runner, which says itself
 * whether a task is still in flight, and a resent diagram call costs nothing.
 */
export function createWindowMs (config: Config): number {
  const attempts = config.createRetries + 1
  const timeoutMs = Math.max(...PROVIDERS.filter((p) => p.delivery !== 'sync').map((p) => p.timeoutMs(config)))
  return timeoutMs * attempts + 200 * (2 ** config.createRetries - 1) + 1_000
}

/** A reconcile lease outlasts one poll and one whole resend, retries included. */
export function reconcileLeaseMs (config: Config): number {
  return Math.max(upstreamTimeoutMs(config) * 2, createWindowMs(config))
}

export default fp(async function tasks (fastify) {
  const { inputs } = fastify.config
  const urlPolicy = inputUrlPolicy(fastify.config)
  const preflight = inputs.preflight
    ? createPreflight({ timeoutMs: inputs.preflightTimeoutMs, maxBytes: inputs.maxBytes, accept: DEFAULT_ACCEPT, policy: urlPolicy })
    : undefined
  if (preflight) fastify.addHook('onClose', async () => { await preflight.close() })
  fastify.decorate('tasks', createTaskService({
    store: fastify.taskStore,
    events: fastify.eventLog,
    bus: fastify.eventBus,
    providers: fastify.providers,
    publicUrl: fastify.config.publicUrl,
    log: fastify.log,
    maxActivePerOwner: fastify.config.maxActiveTasksPerOwner,
    verifyCallbacks: fastify.config.webhookVerify,
    // With several instances a create may be in flight on another one: callbacks wait for it.
    ...(fastify.backend.kind === 'distributed' ? { callbackHoldMs: fastify.config.webhookHoldMs, createWindowMs: createWindowMs(fastify.config) } : {}),
    // A task still unbound after the longest a create can take is resent once (or recovered).
    sendWindowMs: createWindowMs(fastify.config),
    leases: fastify.backend.leases,
    leaseMs: reconcileLeaseMs(fastify.config),
    urlPolicy,
    outputPolicy: outputUrlPolicy(fastify.config),
    custody: fastify.custody ?? undefined,
    preflight,
    uploads: createUploadReferences({
      find: fastify.uploads.find,
      inProgress: fastify.uploads.inProgress,
      sign: fastify.mediaLinks.sign,
      ttlSec: fastify.config.media.linkTtlSec,
      now: Date.now
    }),
    webhookAllowHosts: fastify.config.webhooks.allowHosts,
    metadataLimits: fastify.config.metadata,
    schedule: fastify.config.schedule,
    idempotencyTtlMs: fastify.config.idempotencyTtlMs,
    createRetries: fastify.config.createRetries,
    observer: fastify.metrics.observer,
    sync: {
      concurrencyOf: (id) => findProvider(id)?.syncConcurrency?.(fastify.config) ?? 1,
      maxQueued: fastify.config.syncQueueMax,
      // Half the shutdown budget: the rest closes the store, the bus and the connections.
      drainMs: Math.floor(fastify.config.shutdownTimeoutMs / 2)
    }
  }))
  // Runs before the store's onClose (hooks run in reverse order of registration).
  fastify.addHook('onClose', async () => { await fastify.tasks.drain() })
}, { name: 'tasks', dependencies: ['config', 'providers', 'store', 'bus', 'metrics', 'media', 'custody'] })
