import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { buildApp } from './app.ts'
import { KILL_SEAM_VARIABLE, killSeamFrom } from './bus/kill-seam.ts'
import { ConfigError, DEMO_API_KEY, loadConfig, type Config } from './config.ts'
import { logDestination, loggerOptions } from './logger.ts'
import { buildSimulator } from './simulator/app.ts'
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

  let simulator: FastifyInstance | undefined
  if (config.demo) {
    // A fresh secret per run: the simulator and the BFF are the only ones who need it.
    const appKey = 'demo-app-key'
    const appSecret = randomBytes(24).toString('base64url')
    // Progress callbacks make the demo show progress; the real gateway only calls back at the end.
    // It fetches uploads through the BFF's signed links, as the real gateway would.
    simulator = await buildSimulator({ appKey, appSecret, progressCallbacks: true, fetchInputHosts: [new URL(config.publicUrl).host], defaultBehaviour: config.simulatorBehaviour, loggerInstance: log.child({ component: 'simulator' }) })
    let simulatorUrl: string
    try {
      simulatorUrl = await simulator.listen({ host: '127.0.0.1', port: config.simulatorPort })
    } catch (err) {
      const line = listenProblem(err, 'SIMULATOR_PORT', '127.0.0.1', config.simulatorPort)
      if (!line) throw err
      await simulator.close()
      refuseToStart([line])
      return
    }
    // The simulator's own files may be fed back in (e.g. a mask into image-redraw), so its host is allowed.
    const simulatorHost = new URL(simulatorUrl).host
    config = {
      ...config,
      gateway: { ...config.gateway, baseUrl: simulatorUrl, appKey, appSecret },
      inputs: { ...config.inputs, httpAllowHosts: [...config.inputs.httpAllowHosts, simulatorHost] }
    }
    const usingDevKey = config.apiKeys.length === 1 && config.apiKeys[0]?.key === DEMO_API_KEY.key
    log.warn({ simulatorUrl, devKey: usingDevKey },
      `DEMO MODE: tasks go to the built-in simulator at ${simulatorUrl}` +
      (usingDevKey ? `; clients authenticate with "Authorization: Bearer ${DEMO_API_KEY.key}" (owner "${DEMO_API_KEY.owner}")` : '; clients use the keys in API_KEYS'))
  }

  const killAtPublish = killSeamFrom(process.env)
  if (killAtPublish) log.warn({ killAtPublish }, `${KILL_SEAM_VARIABLE}: test seam armed, this process kills itself at publish ${killAtPublish}`)
  else if (process.env[KILL_SEAM_VARIABLE] !== undefined) log.warn(`${KILL_SEAM_VARIABLE} is ignored: it is a test seam, honoured only with NODE_ENV=test`)

  let app: FastifyInstance
  try {
    app = await buildApp({ config, logger: log, killAtPublish })
  } catch (err) {
    await simulator?.close()
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
      await simulator?.close()
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
    await simulator?.close()
    refuseToStart([line])
    return
  }
  // The public URL is where a browser reaches the page; the bound address may be 0.0.0.0.
  const page = `${config.publicUrl}/`
  log.info({ url, docs: `${url}/docs`, page, publicUrl: config.publicUrl }, `ToMoviee BFF listening at ${url}; demo page at ${page}, API docs at ${url}/docs`)
}

await main()
