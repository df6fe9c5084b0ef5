import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { buildApp } from './app.ts'
import { KILL_SEAM_VARIABLE, killSeamFrom } from './bus/kill-seam.ts'
import { ConfigError, DEMO_API_KEY, loadConfig, type Config } from './config.ts'
import { logDestination, loggerOptions } from './logger.ts'
import { PROVIDERS } from './providers/registry.ts'
import type { Simulation } from './providers/types.ts'
import { databasePathProblem, listenProblem, redisProblem, refuseToStart } from './startup.ts'

/**
 * Process entry: configuration, the simulator in demo mode, the app, and one shutdown path for
 * signals and fatal errors, bounded by SHUTDOWN_TIMEOUT_MS.
 */
async function main (): Promise<void> {
  let config: Config
  try {
    config = loadConfig(process.env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    refuseToStart(err.problems)
    return
  }
  const destination = logDestination(process.env)
  const log = destination ? pino(loggerOptions(config), destination) : pino(loggerOptions(config))
  // Checked before anything listens, so a refused start leaves nothing running.
  const problem = databasePathProblem(config.databasePath) ?? (config.redis
    ? await redisProblem(config.redis.url, (attempt, reason) => log.warn({ attempt, reason }, 'Redis is not reachable yet; retrying'))
    : undefined)
  if (problem) {
    refuseToStart([problem])
    return
  }

  // Demo mode per provider: each one without credentials (outside production) gets its simulator.
  const simulations: Simulation[] = []
  const closeSimulators = async (): Promise<void> => { await Promise.all(simulations.map((s) => s.close())) }
  const modes: Record<string, string> = {}
  for (const provider of PROVIDERS) {
    const mode = provider.mode(config)
    modes[provider.id] = mode
    if (mode !== 'simulated') continue
    let simulation: Simulation
    try {
      simulation = await provider.simulate(config, { log, publicUrl: config.publicUrl })
    } catch (err) {
      const e = err as { variable?: 'PORT' | 'SIMULATOR_PORT', port?: number }
      const line = e.variable ? listenProblem(err, e.variable, '127.0.0.1', e.port ?? 0) : undefined
      await closeSimulators()
      if (!line) throw err
      refuseToStart([line])
      return
    }
    simulations.push(simulation)
    config = simulation.config
    modes[provider.id] = `simulated at ${simulation.url}`
  }
  // One line says which providers are real and which simulated (and which are off, in production).
  const simulated = simulations.length > 0
  log[simulated ? 'warn' : 'info']({ providers: Object.fromEntries(PROVIDERS.map((p) => [p.id, p.mode(config)])) },
    `providers: ${PROVIDERS.map((p) => `${p.id} ${modes[p.id]}`).join(', ')}`)
  if (config.demo) {
    const usingDevKey = config.apiKeys.length === 1 && config.apiKeys[0]?.key === DEMO_API_KEY.key
    log.warn({ devKey: usingDevKey },
      'DEMO MODE: tasks go to the built-in simulators' +
      (usingDevKey ? `; clients authenticate with "Authorization: Bearer ${DEMO_API_KEY.key}" (owner "${DEMO_API_KEY.owner}")` : '; clients use the keys in API_KEYS'))
  }

  const killAtPublish = killSeamFrom(process.env)
  if (killAtPublish) log.warn({ killAtPublish }, `${KILL_SEAM_VARIABLE}: test seam armed, this process kills itself at publish ${killAtPublish}`)
  else if (process.env[KILL_SEAM_VARIABLE] !== undefined) log.warn(`${KILL_SEAM_VARIABLE} is ignored: it is a test seam, honoured only with NODE_ENV=test`)

  let app: FastifyInstance
  try {
    app = await buildApp({ config, logger: log, killAtPublish })
  } catch (err) {
    await closeSimulators()
    throw err
  }

  let closing = false
  async function shutdown (reason: { signal?: string, err?: unknown }): Promise<void> {
    if (closing) return
    closing = true
    if (reason.err) log.fatal({ err: reason.err }, 'shutting down after a fatal error')
    else log.info({ signal: reason.signal }, 'shutting down')
    const force = setTimeout(() => {
      log.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown deadline passed, exiting')
      process.exit(1)
    }, config.shutdownTimeoutMs)
    force.unref()
    try {
      await app.close()
      await closeSimulators()
    } catch (err) {
      log.error({ err }, 'error while closing')
      process.exitCode = 1
    }
    if (reason.err) process.exitCode = 1
  }
  process.once('SIGTERM', () => { void shutdown({ signal: 'SIGTERM' }) })
  process.once('SIGINT', () => { void shutdown({ signal: 'SIGINT' }) })
  process.once('uncaughtException', (err) => { void shutdown({ err }) })
  process.once('unhandledRejection', (err) => { void shutdown({ err }) })

  let url: string
  try {
    url = await app.listen({ host: config.host, port: config.port, backlog: config.listenBacklog })
  } catch (err) {
    const line = listenProblem(err, 'PORT', config.host, config.port)
    if (!line) throw err
    await app.close()
    await closeSimulators()
    refuseToStart([line])
    return
  }
  // The public URL is where a browser reaches the page; the bound address may be 0.0.0.0.
  const page = `${config.publicUrl}/`
  log.info({ url, docs: `${url}/docs`, page, publicUrl: config.publicUrl }, `ToMoviee BFF listening at ${url}; demo page at ${page}, API docs at ${url}/docs`)
}

await main()
