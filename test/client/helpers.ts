import type { Socket } from 'node:net'
import { createClient, type BffClient, type ClientOptions, type WatchEvent } from '../../packages/client/src/index.ts'
import { ALICE, type Stack } from '../helper.ts'

export function clientFor (stack: Stack, opts: Partial<ClientOptions> = {}): BffClient {
  return createClient({ baseUrl: stack.url, credentials: ALICE.key, transport: 'fetch', ...opts })
}

/** Iterates until `until` holds for an event (then stops the watch) or the watch ends by itself. */
export async function collect (events: AsyncIterable<WatchEvent>, until: (e: WatchEvent) => boolean = () => false): Promise<WatchEvent[]> {
  const out: WatchEvent[] = []
  for await (const e of events) {
    out.push(e)
    if (until(e)) break
  }
  return out
}

/** The events of a task or of all tasks as the log has them: a replay from id 0, up to `lastId`. */
export async function replay (client: BffClient, target: string, lastId: number): Promise<WatchEvent[]> {
  return collect(client.watch(target, { lastEventId: 0 }), (e) => e.id >= lastId)
}

/** A comparable line per event. */
export const lines = (events: WatchEvent[]): string[] => events.map((e) => e.type === 'reset'
  ? `${e.id} reset ${e.tasks.map((t) => t.id).join(',')}`
  : `${e.id} ${e.type} ${e.task.id} ${e.task.progress}`)

/**
 * Records the sockets of the BFF's event streams so a test can cut them server-side, as a proxy
 * or a network failure would. Call `attach` again after a restart (a new server).
 */
export function streamCutter (stack: Stack): { attach: () => void, cut: () => number } {
  const sockets = new Set<Socket>()
  const attach = (): void => {
    stack.bff.server.on('request', (req) => {
      if (req.url?.includes('/events')) sockets.add(req.socket)
    })
  }
  attach()
  return {
    attach,
    cut () {
      let n = 0
      for (const s of sockets) {
        if (!s.destroyed) n++
        s.destroy()
      }
      sockets.clear()
      return n
    }
  }
}

/** A fetch that counts requests per path and lets a test tamper with them. */
export function recordingFetch (wrap?: (url: string, init: RequestInit | undefined, real: typeof fetch) => Promise<Response> | undefined): { fetch: typeof fetch, calls: { url: string, headers: Record<string, string>, body: string | undefined }[] } {
  const calls: { url: string, headers: Record<string, string>, body: string | undefined }[] = []
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = String(input)
    calls.push({ url, headers: { ...(init?.headers as Record<string, string> | undefined) }, body: typeof init?.body === 'string' ? init.body : undefined })
    return await (wrap?.(url, init, fetch) ?? fetch(input, init))
  }
  return { fetch: fetchImpl, calls }
}
