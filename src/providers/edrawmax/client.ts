import { createHash } from 'node:crypto'
import type { Dispatcher } from 'undici'
import { BffError, toIssues } from '../../errors.ts'
import { GatewayError } from '../../gateway/errors.ts'
import type { CapabilityDefinition } from '../../tasks/capabilities/types.ts'
import type { CreateRequest, Provider, UpstreamReport } from '../types.ts'
import { createJsonTransport, type JsonAnswer } from '../../gateway/json-transport.ts'
import { EDRAWMAX_CAPABILITIES, EDRAWMAX_PROVIDER_ID, type EdrawmaxCapability } from './capability.ts'
import { envelopeReport } from './status.ts'
import { EDRAWMAX_RESULT_HOSTS, type ResultHostPolicy } from './trust.ts'
import { DiagramRequestSchema, EDRAWMAX_CODE, EnvelopeSchema, RETRYABLE_CODES, USER_ID_HEADER, type Envelope } from './wire.ts'

export interface EdrawmaxClientOptions {
  /** Base URL the four paths hang off, without a trailing slash. */
  baseUrl: string
  connectTimeoutMs: number
  /** One whole call, generation included. */
  timeoutMs: number
  /** Wait before the one retry of a retryable code. */
  retryDelayMs: number
  /** Which result URLs are accepted. Default: the documented storage hosts, https only. */
  resultHosts?: ResultHostPolicy | undefined
  dispatcher?: Dispatcher | undefined
  log?: { warn: (obj: object, msg: string) => void } | undefined
  now?: () => number
}

const CAPABILITIES = EDRAWMAX_CAPABILITIES as unknown as readonly CapabilityDefinition[]

/**
 * The X-User-ID sent for an owner: a stable pseudonym, so EdrawMax can keep its per-user limit
 * without learning our API-key names or JWT issuers.
 */
export function edrawmaxUserId (owner: string): string {
  return createHash('sha256').update(`edrawmax-user:${owner}`).digest('hex').slice(0, 32)
}

/** EdrawMax's synchronous diagram API behind the provider interface. Throws GatewayError upstream. */
export function createEdrawmaxProvider (opts: EdrawmaxClientOptions): Provider {
  const base = opts.baseUrl.replace(/\/+$/, '')
  const transport = createJsonTransport(base, { ...opts, label: 'EdrawMax' })
  const hosts = opts.resultHosts ?? EDRAWMAX_RESULT_HOSTS
  const now = opts.now ?? Date.now

  async function call (def: EdrawmaxCapability, body: unknown, headers: Record<string, string>): Promise<{ res: JsonAnswer, envelope: Envelope }> {
    const res = await transport.post(body, { url: `${base}${def.endpoint}`, headers })
    const parsed = EnvelopeSchema.safeParse(res.json)
    const details = { sent: true, upstreamStatus: res.status, ...(parsed.success ? { upstreamCode: parsed.data.code, upstreamMessage: (parsed.data.msg ?? '').slice(0, 200) } : {}) }
    // Whether HTTP statuses follow `code` is not documented, so an envelope wins over the status.
    if (!parsed.success) {
      if (res.status === 429 || res.status >= 500) throw new GatewayError('BFF_ERR_UPSTREAM_UNAVAILABLE', `EdrawMax is unavailable (HTTP ${res.status})`, details)
      throw new GatewayError('BFF_ERR_UPSTREAM_BAD_RESPONSE', `EdrawMax answered HTTP ${res.status} without its envelope`, details)
    }
    const code = parsed.data.code
    if (code === EDRAWMAX_CODE.INTERNAL) throw new GatewayError('BFF_ERR_UPSTREAM_UNAVAILABLE', 'EdrawMax failed internally', details)
    if (code === EDRAWMAX_CODE.BAD_PARAMETER) throw new GatewayError('BFF_ERR_UPSTREAM_REJECTED', 'EdrawMax refused the parameters the BFF sent', details)
    return { res, envelope: parsed.data }
  }

  async function create (req: CreateRequest): Promise<{ report: UpstreamReport }> {
    const def = EDRAWMAX_CAPABILITIES.find((c) => c.name === req.capability)
    if (!def) throw new BffError('BFF_ERR_BAD_REQUEST', `EdrawMax has no capability ${req.capability}`)
    const input = def.input.safeParse(req.input)
    if (!input.success) throw new BffError('BFF_ERR_VALIDATION', undefined, { issues: toIssues(input.error.issues) })
    const body = def.toUpstream(input.data)
    if (!DiagramRequestSchema.safeParse(body).success) throw new BffError('BFF_ERR_INTERNAL', 'The EdrawMax request the BFF built is invalid')
    const headers: Record<string, string> = req.owner !== undefined ? { [USER_ID_HEADER]: edrawmaxUserId(req.owner) } : {}

    let { envelope } = await call(def, body, headers)
    // The document allows one retry on these, and none when it would start past our deadline.
    if (RETRYABLE_CODES.has(envelope.code) && now() + opts.retryDelayMs < req.deadlineAt) {
      await new Promise((resolve) => setTimeout(resolve, opts.retryDelayMs))
      envelope = (await call(def, body, headers)).envelope
    }
    const report = envelopeReport(def, envelope, hosts, (reason) => opts.log?.warn({ taskId: req.taskId, capability: def.name, reason }, 'EdrawMax result URL refused'))
    if (report === null) {
      throw new GatewayError('BFF_ERR_UPSTREAM_REJECTED', `EdrawMax answered code ${envelope.code}`, { sent: true, upstreamCode: envelope.code, upstreamMessage: (envelope.msg ?? '').slice(0, 200) })
    }
    return { report }
  }

  return {
    id: EDRAWMAX_PROVIDER_ID,
    delivery: 'sync',
    confirmCallbacks: false,
    capabilities: CAPABILITIES,
    create,
    async get () {
      // Nothing to look up: the create answer is the result, and EdrawMax keeps no job.
      throw new GatewayError('BFF_ERR_UPSTREAM_REJECTED', 'EdrawMax has no jobs to look up: diagrams come back in the create call', { sent: false })
    },
    parseCallback () {
      throw new BffError('BFF_ERR_WEBHOOK_INVALID', 'EdrawMax does not call back')
    },
    close: () => transport.close()
  }
}
