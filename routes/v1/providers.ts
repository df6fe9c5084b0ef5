import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { principalOf } from '../../plugins/auth.ts'
import { BffError, ErrorCodeSchema, ErrorSchema } from '../../src/errors.ts'
import { createProviderOverview } from '../../src/providers/overview.ts'
import { PROVIDERS } from '../../src/providers/registry.ts'

// Long enough that a dashboard refreshing every few seconds costs the provider one call a minute.
const BALANCE_TTL_MS = 60_000

const checkedAt = z.iso.datetime().describe('When the provider was last asked (readings are cached for a minute)')
const BalanceSchema = z.union([
  z.object({ amount: z.number(), unit: z.string().describe('The provider\'s unit, e.g. "credits"'), checkedAt }),
  z.object({ error: z.object({ code: ErrorCodeSchema, message: z.string() }), checkedAt })
]).meta({ id: 'ProviderBalance', description: 'What the BFF\'s account upstream has left, or why it could not be read' })

const ProviderStatusSchema = z.object({
  id: z.string(),
  title: z.string(),
  delivery: z.enum(['callback', 'polling', 'sync']).describe('How results arrive: a callback, server-side polling, or in the create answer'),
  mode: z.enum(['real', 'simulated', 'off']).describe('real: credentials set; simulated: the built-in simulator; off: not configured'),
  health: z.enum(['ok', 'failing', 'off']).describe('failing: the circuit breaker is open and new tasks are refused'),
  circuit: z.object({ open: z.boolean(), retryAfterMs: z.int(), consecutiveFailures: z.int() }),
  balance: BalanceSchema.optional().describe('Only for providers with a balance query')
}).meta({ id: 'ProviderStatus' })

const ProviderListSchema = z.object({ items: z.array(ProviderStatusSchema) }).meta({ id: 'ProviderList' })

/** The operators' view of the providers: not for app clients, so only owners in OPERATOR_OWNERS pass. */
const providers: FastifyPluginAsyncZod = async (app) => {
  const operators = new Set(app.config.operatorOwners)
  const overview = createProviderOverview(PROVIDERS, app.providers, { ttlMs: BALANCE_TTL_MS })

  app.get('/providers', {
    schema: {
      operationId: 'listProviders',
      tags: ['health'],
      summary: 'Every provider: mode, health and balance (operators only)',
      description: 'For owners listed in `OPERATOR_OWNERS` (in demo mode, by default, the demo owner); everyone else gets 403.',
      security: [{ bearerAuth: [] }],
      response: { 200: ProviderListSchema, 401: ErrorSchema, 403: ErrorSchema, 429: ErrorSchema }
    }
  }, async (request) => {
    if (!operators.has(principalOf(request).owner)) throw new BffError('BFF_ERR_OPERATORS_ONLY')
    return { items: await overview.list() }
  })
}

export default providers
