import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { edrawmaxUserId } from '../../../src/providers/edrawmax/client.ts'
import { EDRAWMAX_CAPABILITIES } from '../../../src/providers/edrawmax/capability.ts'
import { EDRAWMAX_RESULT_HOSTS, untrustedReason } from '../../../src/providers/edrawmax/trust.ts'
import type { Provider, UpstreamReport } from '../../../src/providers/types.ts'
import { isFileOutput, OutputSchema } from '../../../src/tasks/model.ts'
import { edrawmaxProviderFor, startEdrawmaxSimulator } from './harness.ts'

describe('EdrawMax provider against its simulator', () => {
  let sim: Awaited<ReturnType<typeof startEdrawmaxSimulator>>
  let provider: Provider
  const calls = () => sim.sim.edrawmaxSimulator.calls

  beforeAll(async () => {
    sim = await startEdrawmaxSimulator({ perUserConcurrency: 1 })
    provider = edrawmaxProviderFor(sim.baseUrl)
  })
  afterAll(async () => {
    await provider.close()
    await sim.sim.close()
  })

  async function draw (capability: string, prompt: string, owner = 'alice', input: Record<string, unknown> = {}): Promise<UpstreamReport> {
    const outcome = await provider.create({ taskId: randomUUID(), capability, input: { prompt, ...input }, owner, deadlineAt: Date.now() + 60_000 })
    if (!('report' in outcome)) throw new Error('expected a report')
    return outcome.report
  }
  const callsFor = (prompt: string) => calls().filter((c) => (c.body as { prompt?: string }).prompt === prompt)

  it.each(EDRAWMAX_CAPABILITIES.map((c) => [c.name, c.diagram] as const))('%s: PNG, SVG and its source, through its own endpoint', async (name, diagram) => {
    const prompt = `Plan ${randomUUID()}: research, design, build`
    const report = await draw(name, prompt, 'alice', { lang: 'en', platform: 'web' })
    expect(report.status).toBe('succeeded')
    const outputs = report.outputs ?? []
    for (const o of outputs) expect(OutputSchema.safeParse(o).success).toBe(true)
    expect(outputs.map((o) => o.type)).toEqual(['image', 'vector', 'source'])
    const files = outputs.filter(isFileOutput)
    const png = Buffer.from(await (await fetch(files[0]!.url)).arrayBuffer())
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
    const svg = await (await fetch(files[1]!.url)).text()
    expect(svg).toMatch(/<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*>.*research.*<\/svg>/s)
    const source = outputs.find((o) => o.type === 'source')
    expect(source).toMatchObject({ format: diagram === 'flowchart' ? 'mermaid' : 'edrawmax' })
    if (diagram === 'flowchart') expect(source?.type === 'source' && source.text).toMatch(/^flowchart TD\n/)
    const [call] = callsFor(prompt)
    expect(call).toMatchObject({ diagram, body: { prompt, lang: 'en', platform: 'web' } })
  })

  it('sends lang cn when none is given, and refuses fields and values the capability does not know', async () => {
    const prompt = `Defaults ${randomUUID()}`
    await draw('edrawmax-mindmap', prompt)
    expect(callsFor(prompt)[0]!.body).toEqual({ prompt, lang: 'cn' })
    for (const input of [{ lang: 'xx' }, { platform: 'amiga' }, { userId: 7 }, { prompt: '' }, { prompt: 'x'.repeat(2001) }]) {
      await expect(draw('edrawmax-gantt', 'A plan', 'alice', input)).rejects.toMatchObject({ code: 'BFF_ERR_VALIDATION' })
    }
  })

  it('forwards the owner as X-User-ID (a stable pseudonym), never in the body', async () => {
    const prompt = `Owner ${randomUUID()}`
    await draw('edrawmax-flowchart', prompt, 'jwt:https%3A%2F%2Fissuer.example:user-42')
    await draw('edrawmax-flowchart', prompt, 'bob')
    const [first, second] = callsFor(prompt)
    expect(first!.userId).toBe(edrawmaxUserId('jwt:https%3A%2F%2Fissuer.example:user-42'))
    expect(first!.userId).toMatch(/^[0-9a-f]{32}$/)
    expect(second!.userId).toBe(edrawmaxUserId('bob'))
    expect(first!.userId).not.toBe(second!.userId)
    expect(JSON.stringify(first!.body)).not.toContain('user')
  })

  it('retries once on generation and rendering failures, and succeeds when the retry does', async () => {
    for (const marker of ['#flaky-generation', '#flaky-render']) {
      const prompt = `Retry ${randomUUID()} ${marker}`
      const report = await draw('edrawmax-infographic', prompt)
      expect(report.status).toBe('succeeded')
      expect(callsFor(prompt).map((c) => c.code)).toEqual([marker === '#flaky-render' ? 212201 : 212200, 0])
    }
  })

  it('retries only once: a second failure fails the task', async () => {
    for (const [marker, code, error] of [['#generation-failed', 212200, 'BFF_ERR_TASK_FAILED'], ['#render-failed', 212201, 'BFF_ERR_TASK_FAILED'], ['#busy', 3001, 'BFF_ERR_RATE_LIMITED']] as const) {
      const prompt = `Twice ${randomUUID()} ${marker}`
      const report = await draw('edrawmax-flowchart', prompt)
      expect(report).toMatchObject({ status: 'failed', error: { code: error } })
      expect(callsFor(prompt).map((c) => c.code)).toEqual([code, code])
    }
  })

  it('does not retry when the retry would start past the task deadline', async () => {
    const prompt = `Late ${randomUUID()} #generation-failed`
    const outcome = await provider.create({ taskId: randomUUID(), capability: 'edrawmax-flowchart', input: { prompt }, owner: 'alice', deadlineAt: Date.now() + 5 })
    expect('report' in outcome && outcome.report.status).toBe('failed')
    expect(callsFor(prompt)).toHaveLength(1)
  })

  it('fails a content rejection with its own code, without a retry', async () => {
    const prompt = `Rejected ${randomUUID()} #reject`
    const report = await draw('edrawmax-mindmap', prompt)
    expect(report).toMatchObject({ status: 'failed', error: { code: 'BFF_ERR_TASK_CONTENT_REJECTED' } })
    expect(report.outputs).toBeUndefined()
    expect(callsFor(prompt)).toHaveLength(1)
  })

  it('maps a bad-parameter answer and an internal panic to upstream errors, without a retry', async () => {
    const bad = `Bad ${randomUUID()} #bad-param`
    await expect(draw('edrawmax-flowchart', bad)).rejects.toMatchObject({ code: 'BFF_ERR_UPSTREAM_REJECTED', upstreamCode: 400 })
    const panic = `Panic ${randomUUID()} #panic`
    await expect(draw('edrawmax-flowchart', panic)).rejects.toMatchObject({ code: 'BFF_ERR_UPSTREAM_UNAVAILABLE', upstreamCode: 500, upstreamStatus: 500 })
    expect([callsFor(bad).length, callsFor(panic).length]).toEqual([1, 1])
  })

  it('fails results on untrusted hosts or over plain http with BFF_ERR_TASK_BAD_RESULT', async () => {
    for (const marker of ['#untrusted-host', '#http-url']) {
      const report = await draw('edrawmax-gantt', `Untrusted ${randomUUID()} ${marker}`)
      expect(report).toMatchObject({ status: 'failed', error: { code: 'BFF_ERR_TASK_BAD_RESULT' } })
    }
    // The production policy refuses the simulator's own loopback URLs too.
    const strict = edrawmaxProviderFor(sim.baseUrl, { resultHosts: undefined })
    try {
      const outcome = await strict.create({ taskId: randomUUID(), capability: 'edrawmax-gantt', input: { prompt: 'Strict' }, deadlineAt: Date.now() + 60_000 })
      expect('report' in outcome && outcome.report.error?.code).toBe('BFF_ERR_TASK_BAD_RESULT')
    } finally {
      await strict.close()
    }
  })

  it('succeeds without the source when EdrawMax sends none', async () => {
    const report = await draw('edrawmax-flowchart', `Quiet ${randomUUID()} #no-source`)
    expect(report.status).toBe('succeeded')
    expect(report.outputs?.map((o) => o.type)).toEqual(['image', 'vector'])
  })

  it('is held to the per-user concurrency limit: one more call in flight is answered 3001, and retried once', async () => {
    const slow = `Slow ${randomUUID()} #delay=1500`
    const first = draw('edrawmax-flowchart', slow, 'carol')
    await expect.poll(() => sim.sim.edrawmaxSimulator.inFlight.get(edrawmaxUserId('carol')), { timeout: 10_000 }).toBe(1)
    const quick = `Quick ${randomUUID()}`
    const [a, b, other] = await Promise.all([first, draw('edrawmax-flowchart', quick, 'carol'), draw('edrawmax-flowchart', `Other ${randomUUID()}`, 'dave')])
    expect(a.status).toBe('succeeded')
    expect(other.status).toBe('succeeded')
    // The retry came 20 ms later, while the slow call still held carol's one slot.
    expect(callsFor(quick).map((c) => c.code)).toEqual([3001, 3001])
    expect(b).toMatchObject({ status: 'failed', error: { code: 'BFF_ERR_RATE_LIMITED' } })
  })
})

describe('trusted result hosts', () => {
  it('accepts https on the documented storage hosts only', () => {
    const ok = ['https://bucket.oss-cn-hangzhou.aliyuncs.com/a.png?Signature=x', 'https://cdn.edrawmax.com/a.svg', 'https://x.wondershare.com/a', 'https://a.b.edrawsoft.com/a']
    const refused = ['http://bucket.aliyuncs.com/a.png', 'https://aliyuncs.com/a.png', 'https://evilaliyuncs.com/a.png', 'https://aliyuncs.com.evil.net/a.png',
      'https://user:pw@cdn.edrawmax.com/a.png', 'https://xxx.oss.com/a.png', 'ftp://cdn.edrawmax.com/a', 'not a url', 'https://127.0.0.1/a.png']
    for (const url of ok) expect(untrustedReason(url, EDRAWMAX_RESULT_HOSTS), url).toBeNull()
    for (const url of refused) expect(untrustedReason(url, EDRAWMAX_RESULT_HOSTS), url).not.toBeNull()
  })
})
