import { BffError, toIssues } from '../../errors.ts'
import type { CapabilityDefinition } from '../../tasks/capabilities/types.ts'
import type { Provider, TaskContext } from '../types.ts'
import { findTomovieeCapability, TOMOVIEE_CAPABILITIES } from './capabilities/index.ts'
import { CallbackPayloadSchema } from './wire.ts'
import { tomovieeReport } from './status.ts'
import type { GatewayClient } from './types.ts'

export const TOMOVIEE_PROVIDER_ID = 'tomoviee'

const defOf = (task: TaskContext | undefined): CapabilityDefinition | undefined => task && findTomovieeCapability(task.capability)

/**
 * ToMoviee behind the provider seam: one path per capability, our task id echoed as `params`, an
 * unsigned callback with the numeric status, and the unified result endpoint to confirm it.
 */
export function createTomovieeProvider (client: GatewayClient): Provider {
  return {
    id: TOMOVIEE_PROVIDER_ID,
    delivery: 'callback',
    confirmCallbacks: true,
    capabilities: TOMOVIEE_CAPABILITIES,
    async create (req) {
      const def = findTomovieeCapability(req.capability)
      if (!def) throw new BffError('BFF_ERR_BAD_REQUEST', `ToMoviee has no capability ${req.capability}`)
      const body = { ...(def.toUpstream(req.input) as Record<string, unknown>), callback: req.callbackUrl, params: req.taskId }
      return { upstreamTaskId: await client.createTask(def.endpoint, body) }
    },
    async get (upstreamTaskId, task) {
      return tomovieeReport(await client.getTask(upstreamTaskId), defOf(task), upstreamTaskId)
    },
    parseCallback (body, task) {
      const payload = CallbackPayloadSchema.safeParse(body)
      if (!payload.success) throw new BffError('BFF_ERR_WEBHOOK_INVALID', undefined, { issues: toIssues(payload.error.issues) })
      const { task_id: upstreamTaskId, params } = payload.data
      return { upstreamTaskId, customId: params ?? undefined, report: tomovieeReport(payload.data, defOf(task), upstreamTaskId) }
    },
    close: () => client.close()
  }
}
