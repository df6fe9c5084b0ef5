import { isIP } from 'node:net'
import { z } from 'zod'

// The value parsers the environment schema (src/config-schema.ts) is built from.
export const port = z.coerce.number().int().min(0).max(65535)
// Durations (ms), sizes and counts alike: whole numbers above zero.
export const positive = z.coerce.number().int().min(1)
export const flag = z.stringbool()

const ApiKeySchema = z.object({ owner: z.string().min(1), key: z.string().min(8) })
export type ApiKey = z.infer<typeof ApiKeySchema>

export const ApiKeysSchema = z.string().trim().transform((raw, ctx) => {
  const keys: ApiKey[] = []
  for (const pair of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = pair.indexOf(':')
    const parsed = ApiKeySchema.safeParse({ owner: pair.slice(0, at), key: pair.slice(at + 1) })
    if (at < 1 || !parsed.success) {
      // Never echo the pair: it holds a secret.
      ctx.addIssue({ code: 'custom', message: `entry ${keys.length + 1} is not "owner:key" with a key of at least 8 characters` })
      return z.NEVER
    }
    keys.push(parsed.data)
  }
  return keys
})

export const optionalSecret = z.string().trim().min(1).optional()
export const list = z.string().transform((raw) => raw.split(',').map((v) => v.trim()).filter(Boolean))
export const count = z.coerce.number().int().min(0)
export const factor = z.coerce.number().positive().max(1000)

/** A hop count, or the addresses/CIDRs of the proxies whose X-Forwarded-For entries are believed. */
export type TrustProxy = false | number | string[]
export const TrustProxySchema = z.string().trim().transform((raw, ctx): TrustProxy => {
  if (/^(false|0)$/i.test(raw)) return false
  if (/^\d+$/.test(raw)) return Number(raw)
  if (/^true$/i.test(raw)) {
    ctx.addIssue({ code: 'custom', message: '"true" would believe every X-Forwarded-For entry, which clients write themselves; set the number of proxies in front (1 behind one load balancer) or their addresses' })
    return z.NEVER
  }
  const entries = raw.split(',').map((v) => v.trim()).filter(Boolean)
  const bad = entries.find((e) => !isAddressOrCidr(e))
  if (bad !== undefined) {
    ctx.addIssue({ code: 'custom', message: `"${bad}" is not a hop count, an IP address or a CIDR range` })
    return z.NEVER
  }
  return entries
})

function isAddressOrCidr (entry: string): boolean {
  const [address = '', bits, extra] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || extra !== undefined) return false
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))
}
