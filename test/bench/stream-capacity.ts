/**
 * Scenario "capacity": the BFF's global cap on open streams, derived at start from its open-file
 * limit (src/security/capacity.ts). Streams are opened up to the cap and a few past it (those must
 * get 503 with Retry-After); then, at the cap, `/healthz`, `/readyz` and `/metrics` must still
 * answer, each probe on a new connection as a load balancer's would be.
 */
import { request } from 'node:http'
import { readFileSync } from 'node:fs'
import { capacityOf } from '../../src/security/capacity.ts'
import { NO_LIMIT, nowMs, percentile, rssBytes, sleep, type Child } from './common.ts'
import { P, keyOf } from './options.ts'

export interface ProbeFigures { path: string, ok: number, failed: number, p50: number, p99: number, max: number }

export interface CapacityResult {
  fdLimit: number
  cap: number
  opened: number
  statuses: Record<string, number>
  /** One more stream request made at the cap: its status, Retry-After and error code. */
  refusal: { status: number, retryAfter: string | undefined, code: string | undefined }
  idle: ProbeFigures[]
  atCap: ProbeFigures[]
  rssIdle: number
  rssAtCap: number
}

export interface CapacityDeps {
  clients: Child[]
  startBff: (owners: string[], env: Record<string, string>) => Promise<Child & { url: string }>
}

export const METRICS_TOKEN = 'bench-metrics-token-0123456789'
const PROBES = ['/healthz', '/readyz', '/metrics']

/** The soft open-file limit of a process, from /proc/<pid>/limits. */
function fdLimitOf (pid: number): number {
  const soft = /^Max open files\s+(\d+)\s/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))?.[1]
  if (soft === undefined) throw new Error(`no open-file limit for pid ${pid}`)
  return Number(soft)
}

/** One GET on a new connection: status, headers and body. */
function get (url: string, headers: Record<string, string> = {}): Promise<{ status: number, headers: Record<string, string | string[] | undefined>, body: string, ms: number }> {
  return new Promise((resolve, reject) => {
    const start = nowMs()
    const req = request(url, { agent: false, headers: { connection: 'close', ...headers } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ms: nowMs() - start }))
    })
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${url} within 30 s`)))
    req.on('error', reject)
    req.end()
  })
}

async function probeAll (url: string): Promise<ProbeFigures[]> {
  const out: ProbeFigures[] = []
  for (const path of PROBES) {
    const times: number[] = []
    let failed = 0
    for (let i = 0; i < P.capacity.probes; i++) {
      try {
        const res = await get(`${url}${path}`, path === '/metrics' ? { authorization: `Bearer ${METRICS_TOKEN}` } : {})
        if (res.status === 200) times.push(res.ms)
        else failed++
      } catch {
        failed++
      }
      await sleep(20)
    }
    out.push({ path, ok: times.length, failed, p50: percentile(times, 50), p99: percentile(times, 99), max: times.length ? Math.max(...times) : Number.NaN })
  }
  return out
}

export async function measureCapacity (deps: CapacityDeps): Promise<CapacityResult> {
  const owners = Array.from({ length: 10 }, (_, i) => `cap${i}`)
  const bff = await deps.startBff(owners, { METRICS_TOKEN, CONNECTIONS_MAX: NO_LIMIT })
  const port = Number(new URL(bff.url).port)
  try {
    const fdLimit = fdLimitOf(bff.pid)
    // What the BFF derives at start with CONNECTIONS_MAX and SSE_MAX_STREAMS out of the way.
    const cap = capacityOf({ fdLimit, connectionsMax: Number(NO_LIMIT) }).streams
    const idle = await probeAll(bff.url)
    const rssIdle = rssBytes(bff.pid)
    const specs = Array.from({ length: cap + P.capacity.extra }, (_, i) => ({ port, path: '/v1/events', auth: keyOf(owners[i % owners.length]!), expect: false }))
    const shares: (typeof specs)[] = deps.clients.map(() => [])
    specs.forEach((s, i) => shares[i % deps.clients.length]!.push(s))
    const answers = await Promise.all(deps.clients.map((c, i) => c.call<{ opened: number, statuses: Record<string, number> }>('open', { conns: shares[i], concurrency: P.capacity.openConcurrency }, 300_000)))
    const statuses: Record<string, number> = {}
    for (const a of answers) for (const [k, v] of Object.entries(a.statuses)) statuses[k] = (statuses[k] ?? 0) + v
    const opened = answers.reduce((n, a) => n + a.opened, 0)
    const one = await get(`${bff.url}/v1/events`, { authorization: `Bearer ${keyOf(owners[0]!)}`, accept: 'text/event-stream' })
    let code: string | undefined
    try { code = (JSON.parse(one.body) as { code?: string }).code } catch {}
    const retryAfter = one.headers['retry-after']
    const atCap = await probeAll(bff.url)
    return {
      fdLimit,
      cap,
      opened,
      statuses,
      refusal: { status: one.status, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, code },
      idle,
      atCap,
      rssIdle,
      rssAtCap: rssBytes(bff.pid)
    }
  } finally {
    await bff.stop()
    await Promise.all(deps.clients.map((c) => c.call('close').catch(() => {})))
  }
}
