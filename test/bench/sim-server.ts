/**
 * The gateway simulator for the benchmark: zero delays, and tasks never call back (the benchmark
 * sends callbacks itself). `callbacks` answers every task's callback URL from `simulator.tasks`.
 */
import type { AddressInfo } from 'node:net'
import { buildSimulator } from '../../src/providers/tomoviee/simulator/app.ts'
import { APP_KEY, APP_SECRET } from './common.ts'
import { startChild } from './child.ts'

const sim = await buildSimulator({
  appKey: APP_KEY,
  appSecret: APP_SECRET,
  queueMs: 0,
  processMs: 0,
  progressSteps: 1,
  callbackRetries: 0,
  defaultBehaviour: { noCallback: true }
})
await sim.listen({ host: '127.0.0.1', port: 0 })
const { port } = sim.server.address() as AddressInfo

startChild({
  info: { port, url: `http://127.0.0.1:${port}` },
  handlers: {
    callbacks: () => [...sim.simulator.tasks.values()].map((t) => ({
      upstreamTaskId: t.id,
      taskId: String(t.body.params),
      callback: String(t.body.callback)
    })),
    count: () => sim.simulator.tasks.size
  },
  onStop: async () => { await sim.close() }
})
