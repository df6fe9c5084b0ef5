import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export interface HttpMetrics {
  /** One answered request: `route` is the route pattern (never the raw URL, which would explode the label set). */
  request: (route: string, method: string, status: number, seconds: number) => void
  /** One error answer, by its stable code. */
  refusal: (code: string) => void
}

// API answers range from sub-millisecond reads to creates that wait on the gateway.
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

// prom-client's defaults include gauges named *_total, which Prometheus reserves for counters
// (promtool flags them); the same numbers stay available, per type, without the suffix.
const MISNAMED_DEFAULTS = ['nodejs_active_resources_total', 'nodejs_active_handles_total', 'nodejs_active_requests_total']

export function createHttpMetrics (registry: Registry, prefix: string, build: { version: string, commit: string, node: string }): HttpMetrics {
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name)
  const registers = [registry]
  new Gauge({
    name: `${prefix}build_info`,
    help: 'Always 1; the labels say which build is running.',
    labelNames: ['version', 'commit', 'node'] as const,
    registers
  }).set(build, 1)
  const requests = new Counter({
    name: `${prefix}http_requests_total`,
    help: 'HTTP requests answered, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers
  })
  const duration = new Histogram({
    name: `${prefix}http_request_duration_seconds`,
    help: 'Time to answer HTTP requests, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers
  })
  const refusals = new Counter({
    name: `${prefix}refusals_total`,
    help: 'Error answers, by error code.',
    labelNames: ['code'] as const,
    registers
  })
  return {
    request: (route, method, status, seconds) => {
      const labels = { route, method, status: String(status) }
      requests.inc(labels)
      if (Number.isFinite(seconds) && seconds >= 0) duration.observe(labels, seconds)
    },
    refusal: (code) => { refusals.inc({ code }) }
  }
}
