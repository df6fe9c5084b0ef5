import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { createHttpMetrics, type HttpMetrics } from './http-metrics.ts'
import type { Observer } from './observer.ts'

export interface Metrics {
  /** This app's own registry: never prom-client's global one, so several apps in one process do not collide. */
  registry: Registry
  /** Reports into the registry; hand it to the domain. */
  observer: Observer
  /** Where the `sse_connections` gauge reads its value at scrape time. */
  setOpenStreams: (fn: () => number) => void
  http: HttpMetrics
}

// Gateway calls range from a fast status read (a few ms) to a create that runs into the 30 s
// default timeout (or a raised one), so the buckets span 5 ms..60 s.
const UPSTREAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

/** A registry with the process defaults and the BFF's metrics, and the Observer that feeds it. */
export function createMetrics (opts: { prefix?: string, build?: { version: string, commit: string, node: string } } = {}): Metrics {
  const prefix = opts.prefix ?? 'bff_'
  const registry = new Registry()
  // Unprefixed, so the standard process/nodejs dashboards work as they are.
  collectDefaultMetrics({ register: registry })
  const registers = [registry]
  const http = createHttpMetrics(registry, prefix, opts.build ?? { version: 'unknown', commit: 'unknown', node: process.version })

  const tasksCreated = new Counter({
    name: `${prefix}tasks_created_total`,
    help: 'Tasks created, by capability.',
    labelNames: ['capability'] as const,
    registers
  })
  const tasksFinished = new Counter({
    name: `${prefix}tasks_finished_total`,
    help: 'Tasks that reached a terminal status, by capability, status and what moved them there (create, callback, reconciler).',
    labelNames: ['capability', 'status', 'source'] as const,
    registers
  })
  const callbacks = new Counter({
    name: `${prefix}callbacks_total`,
    help: 'Gateway callbacks received, by outcome (accepted, duplicate, rejected).',
    labelNames: ['outcome'] as const,
    registers
  })
  let openStreams = (): number => 0
  new Gauge({
    name: `${prefix}sse_connections`,
    help: 'Server-Sent Events streams currently open on this instance.',
    registers,
    // Read at scrape time rather than tracked on every open and close, so it can never drift.
    collect () { this.set(openStreams()) }
  })
  const upstreamDuration = new Histogram({
    name: `${prefix}upstream_request_duration_seconds`,
    help: 'Duration of upstream calls, by operation, outcome ("ok" or the error code) and provider.',
    labelNames: ['operation', 'outcome', 'provider'] as const,
    buckets: UPSTREAM_BUCKETS,
    registers
  })
  const upstreamErrors = new Counter({
    name: `${prefix}upstream_errors_total`,
    help: 'Failed upstream calls, by operation, error code and provider.',
    labelNames: ['operation', 'code', 'provider'] as const,
    registers
  })

  const observer: Observer = {
    taskCreated: (capability) => { tasksCreated.inc({ capability }) },
    taskFinished: (capability, status, source) => { tasksFinished.inc({ capability, status, source }) },
    callback: (outcome) => { callbacks.inc({ outcome }) },
    gatewayCall: (operation, seconds, errorCode, provider) => {
      // The Observer must not throw, and prom-client throws on some values it cannot record.
      if (Number.isFinite(seconds) && seconds >= 0) upstreamDuration.observe({ operation, outcome: errorCode ?? 'ok', provider }, seconds)
      if (errorCode !== null) upstreamErrors.inc({ operation, code: errorCode, provider })
    }
  }

  return { registry, observer, setOpenStreams: (fn) => { openStreams = fn }, http }
}
