/**
 * The BFF as production composes it (loadConfig(process.env) + buildApp + listen), in its own
 * process for the benchmark. Configured entirely through the environment the coordinator passes;
 * `BENCH_BFF_BUILD` names the compiled BFF to run (see bff-build.ts), otherwise the sources.
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { startChild } from './child.ts'

type AppModule = typeof import('../../src/app.ts')
type ConfigModule = typeof import('../../src/config.ts')

const built = process.env.BENCH_BFF_BUILD
const load = async <T>(source: string, compiled: string): Promise<T> =>
  await import(built === undefined ? source : pathToFileURL(join(built, compiled)).href) as T
const { buildApp } = await load<AppModule>('../../src/app.ts', 'src/app.js')
const { loadConfig } = await load<ConfigModule>('../../src/config.ts', 'src/config.js')

const config = loadConfig(process.env)
const app = await buildApp({ config })
// The backlog as src/server.ts sets it: the reconnect storm measures what production queues.
await app.listen({ host: '127.0.0.1', port: config.port, backlog: config.listenBacklog })

startChild({
  info: { port: config.port, url: config.publicUrl },
  handlers: { streams: () => app.openSseCount() },
  onStop: async () => { await app.close() }
})
