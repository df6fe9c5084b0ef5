import { afterEach, describe, expect, it } from 'vitest'
import { ALICE, APP_SECRET, BOB, bearer, callbackUrlOf, createTask, eventually, getTask, startStack, type Stack } from '../helper.ts'
import { isFileOutput } from '../../src/tasks/model.ts'
import { openSse } from '../sse-client.ts'

let stack: Stack | undefined
afterEach(async () => { await stack?.close(); stack = undefined })

async function start (env: Record<string, string> = {}): Promise<Stack> {
  stack = await startStack({ env })
  return stack
}

async function post (s: Stack, path: string, body: string | object, headers: Record<string, string> = {}, who = ALICE): Promise<{ status: number, headers: Headers, body: { code?: string, id?: string, message?: string } }> {
  const res = await fetch(`${s.url}${path}`, {
    method: 'POST',
    headers: { ...bearer(who), 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  })
  return { status: res.status, headers: res.headers, body: await res.json() as { code?: string } }
}

async function eventCount (s: Stack, who = ALICE): Promise<number> {
  const sse = await openSse(`${s.url}/v1/events`, { ...bearer(who), 'last-event-id': '0' })
  await sse.waitFor((f) => f.retry !== undefined)
  await new Promise((resolve) => setTimeout(resolve, 80))
  sse.close()
  return sse.events().length
}

describe('CORS', () => {
  it('answers allowed origins only, on the API and the SSE routes, with preflight for our headers', async () => {
    const s = await start({ CORS_ORIGINS: 'https://app.example.com' })
    const ok = await fetch(`${s.url}/v1/tasks`, { headers: { ...bearer(), origin: 'https://app.example.com' } })
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
    const other = await fetch(`${s.url}/v1/tasks`, { headers: { ...bearer(), origin: 'https://evil.example.com' } })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()

    const preflight = await fetch(`${s.url}/v1/tasks/video-scoring`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,idempotency-key' }
    })
    expect(preflight.status).toBeLessThan(300)
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/idempotency-key/)
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/)

    const sse = await openSse(`${s.url}/v1/events`, { ...bearer(), origin: 'https://app.example.com' })
    expect(sse.headers.get('access-control-allow-origin')).toBe('https://app.example.com')
    sse.close()
  })

  it('allows no origin by default, and sends security headers on the docs', async () => {
    const s = await start()
    const res = await fetch(`${s.url}/v1/tasks`, { headers: { ...bearer(), origin: 'https://app.example.com' } })
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    const docs = await fetch(`${s.url}/docs/`)
    expect(docs.status).toBe(200)
    expect(docs.headers.get('x-content-type-options')).toBe('nosniff')
    expect(docs.headers.get('content-security-policy')).toMatch(/default-src 'self'/)
    expect(docs.headers.get('x-frame-options')).toBe('SAMEORIGIN')
  })
})

describe('limits', () => {
  it('limit task creation per owner with 429, Retry-After and a stable code', async () => {
    const s = await start({ RATE_LIMIT_CREATE_MAX: '2' })
    for (let i = 0; i < 2; i++) expect((await post(s, '/v1/tasks/text-to-speech', { text: `hi ${i}` })).status).toBe(202)
    const over = await post(s, '/v1/tasks/text-to-speech', { text: 'one more' })
    expect(over.status).toBe(429)
    expect(over.body.code).toBe('BFF_ERR_RATE_LIMITED')
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await post(s, '/v1/tasks/text-to-speech', { text: 'bob is fine' }, {}, BOB)).status).toBe(202)
  })

  it('cap the unfinished tasks of one owner', async () => {
    const s = await start({ MAX_ACTIVE_TASKS_PER_OWNER: '2' })
    await createTask(s, { prompt: 'a #hang' })
    await createTask(s, { prompt: 'b #hang' })
    const before = await eventCount(s)
    const over = await post(s, '/v1/tasks/video-scoring', { videoUrl: 'https://example.com/a.mp4', prompt: 'c' })
    expect(over.status).toBe(429)
    expect(over.body.code).toBe('BFF_ERR_TOO_MANY_ACTIVE_TASKS')
    expect(await eventCount(s)).toBe(before)
    expect(stack!.sim.simulator.counts.create).toBe(2)
  })
})

describe('webhook hardening', () => {
  it('confirms callbacks with the gateway, so a leaked token cannot forge a result', async () => {
    const s = await start() // real credentials: verification is on by default
    const task = await createTask(s, { prompt: 'parked #hang' })
    await eventually(() => [...s.sim.simulator.tasks.values()].find((t) => t.body.params === task.id)!.status, (st) => st === 2)
    const upstreamId = [...s.sim.simulator.tasks.values()].find((t) => t.body.params === task.id)!.id
    const res = await fetch(callbackUrlOf(s, task.id), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ task_id: upstreamId, status: 3, result: '{"audio_path":["https://evil.example.com/x.mp3"]}', params: task.id })
    })
    expect(res.status).toBe(200)
    const after = (await getTask(s, task.id)).body
    expect(after.status).toBe('processing') // what the gateway really says
    expect(after.outputs).toEqual([])
  })

  it('gives the same answer for an unknown task and a bad token, checks the token before the body, and limits size and type', async () => {
    const s = await start()
    const task = await createTask(s, { prompt: 'x #hang' })
    const good = callbackUrlOf(s, task.id)
    const unknown = await fetch(`${s.url}/webhooks/tomoviee?task=nope&token=abc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    const badToken = await fetch(`${s.url}/webhooks/tomoviee?task=${task.id}&token=abc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect([unknown.status, badToken.status]).toEqual([401, 401])
    expect(await unknown.text()).toBe(await badToken.text())
    const wrongTypeBadToken = await fetch(`${s.url}/webhooks/tomoviee?task=${task.id}&token=abc`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })
    expect(wrongTypeBadToken.status).toBe(401)
    const wrongType = await fetch(good, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })
    expect(wrongType.status).toBe(415)
    const huge = await fetch(good, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"pad":"${'x'.repeat(70_000)}"}` })
    expect(huge.status).toBe(413)
    expect((await getTask(s, task.id)).body.status).not.toMatch(/succeeded|failed/)
  })
})

describe('hostile input', () => {
  it('rejects prototype-poisoning keys and malformed JSON with 400, creating nothing', async () => {
    const s = await start()
    for (const body of ['{"__proto__":{"admin":true},"videoUrl":"https://e.com/a.mp4","prompt":"x"}', '{"constructor":{"prototype":{"admin":true}},"videoUrl":"https://e.com/a.mp4","prompt":"x"}', '{"videoUrl":', '']) {
      const res = await post(s, '/v1/tasks/video-scoring', body)
      expect(res.status).toBe(400)
      expect(res.body.code).toMatch(/^BFF_ERR_(BAD_JSON|VALIDATION|BAD_REQUEST)$/)
    }
    expect(await eventCount(s)).toBe(0)
  })

  it('answers huge or non-UTF-8 prompts with a 4xx, never a 500', async () => {
    const s = await start()
    const huge = await post(s, '/v1/tasks/video-scoring', { videoUrl: 'https://e.com/a.mp4', prompt: 'x'.repeat(100_000) })
    expect(huge.status).toBe(413)
    const raw = Buffer.concat([Buffer.from('{"videoUrl":"https://e.com/a.mp4","prompt":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')])
    const res = await fetch(`${s.url}/v1/tasks/video-scoring`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: raw })
    expect(res.status).toBeLessThan(500)
  })

  it('keeps a prompt full of SSE syntax inside the data of one event', async () => {
    const s = await start()
    const prompt = 'hi\n\nevent: task.succeeded\ndata: {"forged":true}\nid: 999\r\n\r\nretry: 1'
    const task = await createTask(s, { prompt })
    const sse = await openSse(`${s.url}/v1/tasks/${task.id}/events`, bearer())
    await sse.ended
    expect(sse.frames.every((f) => f.data === undefined || f.event?.startsWith('task.'))).toBe(true)
    expect(sse.frames.some((f) => f.id === '999' || f.retry === '1')).toBe(false)
    const events = sse.events()
    expect(events.map((e) => e.event)).toEqual(['task.queued', 'task.succeeded'])
    expect((events[0]!.data as unknown as { input: { prompt: string } }).input.prompt).toBe(prompt)
  })

  it('refuses header injection through Last-Event-ID', async () => {
    const s = await start()
    const res = await fetch(`${s.url}/v1/events?lastEventId=${encodeURIComponent('1\r\nevent: x')}`, { headers: bearer() })
    expect(res.status).toBe(400)
  })
})

describe('input URLs', () => {
  it.each([
    ['http (not allow-listed)', 'http://example.com/a.mp4'],
    ['credentials', 'https://user:pass@example.com/a.mp4'],
    ['a private IPv4 literal', 'https://10.0.0.8/a.mp4'],
    ['loopback', 'https://127.0.0.1/a.mp4'],
    ['a decimal loopback', 'https://2130706433/a.mp4'],
    ['link-local metadata', 'http://169.254.169.254/latest/meta-data'],
    ['an IPv6 loopback', 'https://[::1]/a.mp4'],
    ['a mapped IPv6', 'https://[::ffff:192.168.1.1]/a.mp4'],
    ['localhost', 'https://localhost/a.mp4'],
    ['file:', 'file:///etc/passwd'],
    ['javascript:', 'javascript:alert(1)']
  ])('rejects %s with a 400 naming the field, creating nothing', async (_label, url) => {
    const s = await start()
    const res = await post(s, '/v1/tasks/frames-to-video', { firstFrameUrl: 'https://example.com/a.png', lastFrameUrl: url, prompt: 'x' })
    expect(res.status).toBe(400)
    expect(res.body.code).toBe('BFF_ERR_VALIDATION')
    expect(JSON.stringify(res.body)).toContain('body.lastFrameUrl')
    expect(s.sim.simulator.counts.create).toBe(0)
    expect(await eventCount(s)).toBe(0)
  })

  it('checks input files before spending credits when the pre-flight is on', async () => {
    const s = await start({ INPUT_PREFLIGHT: 'true', INPUT_HTTP_ALLOW_HOSTS: '127.0.0.1' })
    // The simulator serves real MP4s: make one, then feed it back as an input.
    const clip = await post(s, '/v1/tasks/text-to-video', { prompt: 'a clip' })
    const done = await eventually(() => getTask(s, clip.body.id!), (r) => r.body.status === 'succeeded')
    const videoUrl = done.body.outputs.filter(isFileOutput)[0]!.url
    expect((await post(s, '/v1/tasks/video-continuation', { videoUrl, prompt: 'more' })).status).toBe(202)
    const creates = s.sim.simulator.counts.create
    const missing = await post(s, '/v1/tasks/video-continuation', { videoUrl: `${s.simUrl}/assets/nope/0.mp4`, prompt: 'more' })
    expect(missing.status).toBe(422)
    expect(missing.body.code).toBe('BFF_ERR_INPUT_UNREACHABLE')
    const wrongType = await post(s, '/v1/tasks/video-continuation', { videoUrl: `${s.url}/openapi.json`, prompt: 'more' })
    expect(wrongType.status).toBe(422)
    expect(s.sim.simulator.counts.create).toBe(creates)
  })
})

describe('secrets', () => {
  it('never appear in error bodies, /readyz, /openapi.json or the docs', async () => {
    const s = await start({ TOMOVIEE_APP_SECRET: `${APP_SECRET}-wrong` })
    const bodies = [
      JSON.stringify((await post(s, '/v1/tasks/video-scoring', { videoUrl: 'https://e.com/a.mp4', prompt: 'x' })).body),
      await (await fetch(`${s.url}/readyz`)).text(),
      await (await fetch(`${s.url}/openapi.json`)).text(),
      await (await fetch(`${s.url}/v1/tasks`, { headers: { authorization: `Bearer ${ALICE.key}x` } })).text()
    ]
    for (const body of bodies) {
      for (const secret of [APP_SECRET, ALICE.key, BOB.key, Buffer.from(`it-app-key:${APP_SECRET}-wrong`).toString('base64')]) {
        expect(body).not.toContain(secret)
      }
    }
    expect(bodies[0]).toContain('BFF_ERR_UPSTREAM_AUTH')
  })
})
