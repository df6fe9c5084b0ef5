import { performance } from 'node:perf_hooks'
import type { Provider } from '../providers/types.ts'
import type { GatewayOperation, Observer } from './observer.ts'

/** Reports the duration and outcome of every call to the provider to the observer, labelled with its id. */
export function instrumentProvider (provider: Provider, observer: Observer): Provider {
  async function timed<T> (operation: GatewayOperation, call: () => Promise<T>): Promise<T> {
    const start = performance.now()
    try {
      const result = await call()
      observer.gatewayCall(operation, (performance.now() - start) / 1000, null, provider.id)
      return result
    } catch (err) {
      const code = (err as { code?: unknown }).code
      observer.gatewayCall(operation, (performance.now() - start) / 1000, typeof code === 'string' ? code : 'UNKNOWN', provider.id)
      throw err
    }
  }
  return {
    ...provider,
    create: (req) => timed('createTask', () => provider.create(req)),
    get: (id, task) => timed('getTask', () => provider.get(id, task)),
    ...(provider.recover ? { recover: (taskId: string) => timed('recover', () => provider.recover!(taskId)) } : {}),
    ...(provider.ping ? { ping: () => timed('ping', () => provider.ping!()) } : {})
  }
}
