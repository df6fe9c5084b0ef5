import { performance } from 'node:perf_hooks'
import type { GatewayClient } from '../gateway/types.ts'
import type { GatewayOperation, Observer } from './observer.ts'

/** Reports the duration and outcome of every gateway call to the observer. */
export function instrumentGateway (client: GatewayClient, observer: Observer): GatewayClient {
  async function timed<T> (operation: GatewayOperation, call: () => Promise<T>): Promise<T> {
    const start = performance.now()
    try {
      const result = await call()
      observer.gatewayCall(operation, (performance.now() - start) / 1000, null)
      return result
    } catch (err) {
      const code = (err as { code?: unknown }).code
      observer.gatewayCall(operation, (performance.now() - start) / 1000, typeof code === 'string' ? code : 'UNKNOWN')
      throw err
    }
  }
  return {
    createTask: (endpoint, body) => timed('createTask', () => client.createTask(endpoint, body)),
    getTask: (taskId) => timed('getTask', () => client.getTask(taskId)),
    close: () => client.close()
  }
}
