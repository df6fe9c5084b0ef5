/**
 * The BFF as production composes it (loadConfig(process.env) + buildApp + listen), in its own
 * process for the benchmark. Configured entirely through the environment the coordinator passes.
 */
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { startChild } from './child.ts'

const config = loadConfig(process.env)
const app = await buildApp({ config })
// The backlog as src/server.ts sets it: the reconnect storm measures what production queues.
await app.listen({ host: '127.0.0.1', port: config.port, backlog: config.listenBacklog })

startChild({
  info: { port: config.port, url: config.publicUrl },
  handlers: { streams: () => app.openSseCount() },
  onStop: async () => { await app.close() }
})
