/**
 * Scenarios 3 and 4, fan-out and memory per idle stream: one callback to N open SSE streams held
 * by client processes (test/bench/sse-clients.ts), against a raw SSE broadcaster
 * (test/bench/raw-broadcast.ts), with the servers' RSS idle and with N open. Scenario 5 runs the
 * same rounds on a Redis pair. The report is test/bench/fanout-report.ts.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { median, nowMs, percentile, progress, rssBytes, sleep, spawnChild, type Child } from './common.ts'
import { fanoutSections } from './fanout-report.ts'
import { HEAP, HEAP_DIR, P, ROUNDS, VIDEO_BODY, keyOf } from './options.ts'
import { results, scenario, type BenchScenario } from './results.ts'
import { measured, orderOf, post, startDeployment, startRaw, type Deployment, type Kind, type Mode } from './servers.ts'

export interface FanoutRun { ttl: number, p50: number, p99: number, ack: number, missing: number, unexpected: number }
export interface FanoutRound { events: FanoutRun[], rssIdle: number, rssOpen: number, heapIdle: number, heapOpen: number, opened: number, receivers: number, openSec: number }

interface Spec { path: string, auth?: string, expect: boolean, port?: number }

/** Gives every stream a server: alternately per kind of stream (path and key), so each server holds its share of each. */
function spread (specs: Spec[], ports: number[]): Spec[] {
  const seen = new Map<string, number>()
  return specs.map((s) => {
    const key = `${s.path} ${s.auth ?? ''}`
    const i = seen.get(key) ?? 0
    seen.set(key, i + 1)
    return { ...s, port: ports[i % ports.length]! }
  })
}

/** Half the streams watch the one task; half follow /v1/events, spread over the owners. */
function bffSpecs (n: number, owners: string[], taskId: string): Spec[] {
  return Array.from({ length: n }, (_, i) => {
    if (i % 2 === 0) return { path: `/v1/tasks/${taskId}/events`, auth: keyOf(owners[0]!), expect: true }
    const owner = owners[Math.floor(i / 2) % owners.length]!
    return { path: '/v1/events', auth: keyOf(owner), expect: owner === owners[0] }
  })
}

/** The same connections for the broadcaster: the receivers on one channel, the others on their owner's. */
function rawSpecs (n: number, owners: string[]): Spec[] {
  return bffSpecs(n, owners, 'x').map((s, i) => {
    const owner = i % 2 === 0 ? owners[0]! : owners[Math.floor(i / 2) % owners.length]!
    return { path: `/events?ch=${s.expect ? 'hot' : owner}`, auth: keyOf(owner), expect: s.expect }
  })
}

/** A task as the BFF serialises it, for the broadcaster's payload: same fields, same size. */
function taskLike (progressValue: number): Record<string, unknown> {
  const at = new Date().toISOString()
  return {
    id: '3f1c9a52-5d0e-4c6b-9a43-8d1e2f7b6a10',
    capability: 'video-scoring',
    status: 'processing',
    progress: progressValue,
    input: JSON.parse(VIDEO_BODY),
    outputs: [],
    error: null,
    createdAt: at,
    updatedAt: at
  }
}
const markerOf = (p: number): string => `"status":"processing","progress":${p},`

/** Opens the streams, each on its own `port` (see spread()). */
async function openAll (clients: Child[], specs: Spec[]): Promise<{ opened: number, statuses: Record<string, number> }> {
  const shares: Spec[][] = clients.map(() => [])
  specs.forEach((s, i) => shares[i % clients.length]!.push(s))
  const answers = await Promise.all(clients.map((c, i) => c.call<{ opened: number, statuses: Record<string, number> }>('open', { conns: shares[i], concurrency: P.fanout.openConcurrency }, 180_000)))
  const statuses: Record<string, number> = {}
  for (const a of answers) for (const [k, v] of Object.entries(a.statuses)) statuses[k] = (statuses[k] ?? 0) + v
  return { opened: answers.reduce((n, a) => n + a.opened, 0), statuses }
}

async function closeAll (clients: Child[]): Promise<void> {
  await Promise.all(clients.map((c) => c.call('close')))
}

/** Summed over the servers (the two instances of a Redis deployment). */
async function settledMemory (servers: Child[]): Promise<{ rss: number, heap: number }> {
  const mems = await Promise.all(servers.map((server) => server.call<{ heapUsed: number, external: number }>('settle')))
  await sleep(300)
  return {
    rss: servers.reduce((sum, server) => sum + rssBytes(server.pid), 0),
    heap: mems.reduce((sum, mem) => sum + mem.heapUsed + mem.external, 0)
  }
}

async function deliverOnce (clients: Child[], p: number, send: () => Promise<void>): Promise<FanoutRun> {
  await Promise.all(clients.map((c) => c.call('arm', { marker: markerOf(p) })))
  const t0 = nowMs()
  await send()
  const ack = nowMs() - t0
  const answers = await Promise.all(clients.map((c) => c.call<{ times: number[], missing: number, unexpected: number }>('wait', { timeoutMs: P.fanout.deliveryTimeoutMs }, P.fanout.deliveryTimeoutMs + 10_000)))
  const lat = answers.flatMap((a) => a.times).filter((t) => Number.isFinite(t)).map((t) => t - t0)
  return {
    ttl: Math.max(...lat),
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    ack,
    missing: answers.reduce((n, a) => n + a.missing, 0),
    unexpected: answers.reduce((n, a) => n + a.unexpected, 0)
  }
}

async function fanoutRound (kind: Kind, mode: Mode, n: number, sim: Child & { url: string }, clients: Child[], label: string): Promise<FanoutRound> {
  const owners = Array.from({ length: P.fanout.owners }, (_, i) => `o${i}`)
  let dep: Deployment
  if (kind === 'bff') dep = await startDeployment(mode, sim.url, owners, `fanout-${n}`)
  else {
    const raw = await startRaw('raw-broadcast.ts')
    dep = { instances: [raw], createUrl: raw.url, callbackTarget: raw, stop: () => raw.stop() }
  }
  const servers = dep.instances
  const ports = servers.map((server) => Number(new URL(server.url).port))
  try {
    let specs: Spec[]
    let send: (p: number) => Promise<void>
    if (kind === 'bff') {
      const created = await post(`${dep.createUrl}/v1/tasks/video-scoring`, VIDEO_BODY, { authorization: `Bearer ${keyOf(owners[0]!)}` })
      if (created.status !== 202) throw new Error(`create answered ${created.status}`)
      const taskId = (created.json as { id: string }).id
      const sims = await sim.call<{ upstreamTaskId: string, taskId: string, callback: string }[]>('callbacks')
      const target = sims.find((t) => t.taskId === taskId)
      if (!target) throw new Error('the simulator has no task for the fan-out task')
      specs = spread(bffSpecs(n, owners, taskId), ports)
      // The callback URL names PUBLIC_URL: in Redis mode instance A, which holds half the streams.
      send = async (p) => {
        const res = await post(target.callback, JSON.stringify({ task_id: target.upstreamTaskId, status: 2, progress: p, params: taskId }))
        if (res.status !== 200 || (res.json as { changed?: boolean }).changed !== true) throw new Error(`callback answered ${res.status} ${JSON.stringify(res.json)}`)
      }
    } else {
      specs = spread(rawSpecs(n, owners), ports)
      send = async (p) => {
        const res = await post(`${dep.callbackTarget.url}/publish?ch=hot`, JSON.stringify(taskLike(p)))
        if (res.status !== 200) throw new Error(`publish answered ${res.status}`)
      }
    }
    // Warm-up: a few streams opened and closed, so idle memory includes the code paths' first use.
    const warm = specs.filter((_, i) => i % Math.max(1, Math.floor(n / 100)) === 0).slice(0, 100)
    await openAll(clients, warm)
    await closeAll(clients)
    await sleep(300)
    const idle = await settledMemory(servers)
    const snapshot = async (state: string): Promise<void> => {
      if (!HEAP) return
      mkdirSync(HEAP_DIR, { recursive: true })
      for (const [i, server] of servers.entries()) {
        const path = join(HEAP_DIR, `${kind}${mode === 'redis' && kind === 'bff' ? `-redis-${'AB'[i]}` : ''}-${n}-${state}.heapsnapshot`)
        await server.call('heapSnapshot', { path }, 300_000)
        progress(`heap snapshot ${path}`)
      }
    }
    await snapshot('idle')

    const t = nowMs()
    const { opened, statuses } = await measured(servers, 'open', () => openAll(clients, specs))
    const openSec = (nowMs() - t) / 1000
    if (opened !== n) throw new Error(`${opened} of ${n} streams opened (HTTP statuses ${JSON.stringify(statuses)})`)
    await sleep(500)
    const full = await settledMemory(servers)
    await snapshot('open')
    const receivers = specs.filter((s) => s.expect).length

    const events: FanoutRun[] = []
    for (let e = 0; e <= P.fanout.events; e++) {
      const run = await measured(servers, 'deliver', () => deliverOnce(clients, e + 1, () => send(e + 1)))
      if (run.missing > 0 || run.unexpected > 0) throw new Error(`event ${e + 1}: ${run.missing} receivers missed it, ${run.unexpected} other streams got it`)
      if (e > 0) events.push(run)
      await sleep(200)
    }
    const round: FanoutRound = { events, rssIdle: idle.rss, rssOpen: full.rss, heapIdle: idle.heap, heapOpen: full.heap, opened, receivers, openSec }
    progress(`${label} ${kind}: opened ${n} in ${openSec.toFixed(1)} s, last of ${receivers} receivers after ${median(events.map((x) => x.ttl)).toFixed(1)} ms ` +
      `(p50 ${median(events.map((x) => x.p50)).toFixed(1)}, p99 ${median(events.map((x) => x.p99)).toFixed(1)} ms), ` +
      `RSS ${(idle.rss / 2 ** 20).toFixed(0)} -> ${(full.rss / 2 ** 20).toFixed(0)} MiB = ${((full.rss - idle.rss) / n / 1024).toFixed(1)} KiB/stream`)
    return round
  } finally {
    // The server closes first, so TIME_WAIT stays on its side and client ports free up at once.
    await dep.stop()
    await closeAll(clients).catch(() => {})
  }
}

export type FanoutResults = Record<number, Record<Kind, FanoutRound[]> | { error: string }>

export async function scenarioFanout (sim: Child & { url: string }, mode: Mode, rounds: number, into: FanoutResults): Promise<void> {
  const clients: Child[] = []
  const name = mode === 'redis' ? 'fan-out (redis)' : 'fan-out'
  try {
    for (let i = 0; i < P.fanout.clientProcesses; i++) clients.push(await spawnChild(`sse-client-${i}`, 'sse-clients.ts'))
    for (const n of P.fanout.sizes) {
      const out: Record<Kind, FanoutRound[]> = { bff: [], baseline: [] }
      try {
        for (let round = 1; round <= rounds; round++) {
          for (const kind of orderOf(round)) out[kind].push(await fanoutRound(kind, mode, n, sim, clients, `${name} ${n} round ${round}/${rounds}`))
        }
        into[n] = out
      } catch (err) {
        progress(`${name} ${n} failed: ${String(err)}`)
        into[n] = { error: err instanceof Error ? err.message : String(err) }
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.stop()))
  }
}

export const fanoutScenario: BenchScenario = {
  names: ['fanout'],
  sections: ['3. Fan-out', '4. Memory per idle stream'],
  async run (sim) {
    progress('scenarios 3 and 4: fan-out and memory per stream')
    await scenario('fanout', () => scenarioFanout(sim, 'embedded', ROUNDS, results.fanout))
  },
  report: fanoutSections
}
