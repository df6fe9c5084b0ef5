import { GatewayError } from '../../src/gateway/errors.ts'
import type { GatewayClient, UpstreamTask } from '../../src/providers/tomoviee/types.ts'

export interface StubGateway extends GatewayClient {
  /** Create bodies received, in order (they carry the callback URL). */
  bodies: Record<string, unknown>[]
  /** What the result endpoint answers, by upstream id. */
  results: Map<string, UpstreamTask>
  /** The next create answers with this id, once `release` is called when `held`. */
  answerNext: (upstreamId: string, opts?: { held?: boolean }) => { release: () => void }
}

/** A gateway the test steers: when creates answer, and what the result endpoint says. */
export function stubGateway (): StubGateway {
  const bodies: Record<string, unknown>[] = []
  const results = new Map<string, UpstreamTask>()
  const queue: { id: string, gate: Promise<void> }[] = []
  return {
    bodies,
    results,
    answerNext (id, opts = {}) {
      let release = (): void => {}
      const gate = opts.held ? new Promise<void>((resolve) => { release = resolve }) : Promise.resolve()
      queue.push({ id, gate })
      return { release: () => release() }
    },
    async createTask (_endpoint, body) {
      bodies.push(body)
      const next = queue.shift()
      if (!next) throw new GatewayError('BFF_ERR_UPSTREAM_REJECTED', 'no answer scripted', { sent: true })
      await next.gate
      return next.id
    },
    async getTask (id) {
      const known = results.get(id)
      if (!known) throw new GatewayError('BFF_ERR_UPSTREAM_REJECTED', 'unknown task', { sent: true, upstreamCode: 404 })
      return known
    },
    async close () {}
  }
}

/** The callback URL the BFF gave the gateway for one of our tasks, pointed at `base`. */
export function callbackOf (gateway: StubGateway, taskId: string, base: string): string {
  const body = gateway.bodies.find((b) => b.params === taskId)
  if (!body) throw new Error(`no create body for ${taskId}`)
  const url = new URL(String(body.callback))
  return `${base}${url.pathname}${url.search}`
}
