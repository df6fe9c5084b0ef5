import { pino } from 'pino'
import { z } from 'zod'
import { logDestination } from '../../../logger.ts'
import { buildSimulator, MAX_CALLBACK_RETRIES } from './app.ts'
import { parseBehaviour } from '../../simulator-kit/behaviour.ts'

const ms = z.coerce.number().int().min(0)

const EnvSchema = z.object({
  SIMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  SIMULATOR_HOST: z.string().min(1).default('127.0.0.1'),
  SIMULATOR_APP_KEY: z.string().min(1).default('sim-app-key'),
  SIMULATOR_APP_SECRET: z.string().min(1).default('sim-app-secret'),
  SIMULATOR_QUEUE_MS: ms.optional(),
  SIMULATOR_PROCESS_MS: ms.optional(),
  SIMULATOR_CALLBACK_RETRIES: z.coerce.number().int().min(0).max(MAX_CALLBACK_RETRIES).optional(),
  SIMULATOR_CALLBACK_RETRY_DELAY_MS: ms.max(2 ** 31 - 1).optional(),
  SIMULATOR_BEHAVIOUR: z.string().refine((t) => parseBehaviour(t) !== null, 'expected markers such as "#fail"').transform((t) => parseBehaviour(t)!).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')
})

/** Marked as the simulator's, readable at a terminal like the BFF's. */
function simulatorLogger (level: string): pino.Logger {
  const options = { level, base: { component: 'simulator' } }
  const destination = logDestination(process.env)
  return destination ? pino(options, destination) : pino(options)
}

async function main (): Promise<void> {
  // As in the BFF config, an empty variable means unset.
  const present = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = EnvSchema.safeParse(present)
  if (!parsed.success) {
    // No logger exists yet, and the values may be secrets: name the variables only.
    process.stderr.write(`Invalid simulator environment:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}\n`)
    process.exitCode = 1
    return
  }
  const env = parsed.data
  const app = await buildSimulator({
    appKey: env.SIMULATOR_APP_KEY,
    appSecret: env.SIMULATOR_APP_SECRET,
    ...(env.SIMULATOR_QUEUE_MS !== undefined ? { queueMs: env.SIMULATOR_QUEUE_MS } : {}),
    ...(env.SIMULATOR_PROCESS_MS !== undefined ? { processMs: env.SIMULATOR_PROCESS_MS } : {}),
    ...(env.SIMULATOR_CALLBACK_RETRIES !== undefined ? { callbackRetries: env.SIMULATOR_CALLBACK_RETRIES } : {}),
    ...(env.SIMULATOR_CALLBACK_RETRY_DELAY_MS !== undefined ? { callbackRetryDelayMs: env.SIMULATOR_CALLBACK_RETRY_DELAY_MS } : {}),
    ...(env.SIMULATOR_BEHAVIOUR ? { defaultBehaviour: env.SIMULATOR_BEHAVIOUR } : {}),
    loggerInstance: simulatorLogger(env.LOG_LEVEL)
  })

  let closing = false
  const shutdown = (signal: string): void => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'simulator shutting down')
    app.close().catch((err: unknown) => {
      app.log.error({ err }, 'simulator did not close cleanly')
      process.exitCode = 1
    })
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)

  const url = await app.listen({ port: env.SIMULATOR_PORT, host: env.SIMULATOR_HOST })
  app.log.info(
    { url, appKey: env.SIMULATOR_APP_KEY },
    `ToMoviee simulator listening at ${url}; authenticate with X-App-Key: ${env.SIMULATOR_APP_KEY} and Basic base64(app key:secret from SIMULATOR_APP_SECRET)`
  )
}

main().catch((err: unknown) => {
  process.stderr.write(`Simulator failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exitCode = 1
})
