import { describe, expect, it } from 'vitest'
import { createMetrics } from '../../src/observability/metrics.ts'

describe('createMetrics', () => {
  it('records what the observer reports, with its labels', async () => {
    const { registry, observer } = createMetrics()
    observer.taskCreated('video-scoring')
    observer.taskCreated('video-scoring')
    observer.taskFinished('video-scoring', 'succeeded', 'callback')
    observer.taskFinished('video-scoring', 'failed', 'reconciler')
    observer.callback('accepted')
    observer.callback('duplicate')
    observer.callback('rejected')
    observer.gatewayCall('createTask', 0.042, null, 'tomoviee')
    observer.gatewayCall('getTask', 1.5, 'BFF_ERR_UPSTREAM_TIMEOUT', 'tomoviee')

    const text = await registry.metrics()
    expect(text).toContain('bff_tasks_created_total{capability="video-scoring"} 2')
    expect(text).toContain('bff_tasks_finished_total{capability="video-scoring",status="succeeded",source="callback"} 1')
    expect(text).toContain('bff_tasks_finished_total{capability="video-scoring",status="failed",source="reconciler"} 1')
    for (const outcome of ['accepted', 'duplicate', 'rejected']) expect(text).toContain(`bff_callbacks_total{outcome="${outcome}"} 1`)
    expect(text).toContain('bff_upstream_request_duration_seconds_count{operation="createTask",outcome="ok",provider="tomoviee"} 1')
    expect(text).toContain('bff_upstream_request_duration_seconds_bucket{le="0.05",operation="createTask",outcome="ok",provider="tomoviee"} 1')
    expect(text).toContain('bff_upstream_request_duration_seconds_bucket{le="0.025",operation="createTask",outcome="ok",provider="tomoviee"} 0')
    expect(text).toContain('bff_upstream_request_duration_seconds_count{operation="getTask",outcome="BFF_ERR_UPSTREAM_TIMEOUT",provider="tomoviee"} 1')
    expect(text).toContain('bff_upstream_request_duration_seconds_bucket{le="60",operation="getTask",outcome="BFF_ERR_UPSTREAM_TIMEOUT",provider="tomoviee"} 1')
    expect(text).toContain('bff_upstream_errors_total{operation="getTask",code="BFF_ERR_UPSTREAM_TIMEOUT",provider="tomoviee"} 1')
    expect(text).not.toContain('bff_upstream_errors_total{operation="createTask"')
  })

  it('reads the open streams at scrape time', async () => {
    const { registry, setOpenStreams } = createMetrics()
    expect(await registry.metrics()).toContain('bff_sse_connections 0')
    let open = 3
    setOpenStreams(() => open)
    expect(await registry.metrics()).toContain('bff_sse_connections 3')
    open = 1
    expect(await registry.metrics()).toContain('bff_sse_connections 1')
  })

  it('includes the default process metrics', async () => {
    const text = await createMetrics().registry.metrics()
    expect(text).toContain('process_cpu_user_seconds_total')
    expect(text).toContain('nodejs_heap_size_used_bytes')
  })

  it('honours a prefix and keeps registries apart', async () => {
    const a = createMetrics({ prefix: 'other_' })
    const b = createMetrics()
    a.observer.taskCreated('x')
    expect(await a.registry.metrics()).toContain('other_tasks_created_total{capability="x"} 1')
    expect(await b.registry.metrics()).not.toContain('capability="x"')
  })

  it('never throws on a duration it cannot record', () => {
    const { observer } = createMetrics()
    expect(() => observer.gatewayCall('getTask', Number.NaN, 'BFF_ERR_UPSTREAM_UNAVAILABLE', 'tomoviee')).not.toThrow()
    expect(() => observer.gatewayCall('getTask', -1, null, 'tomoviee')).not.toThrow()
  })
})
