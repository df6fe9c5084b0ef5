import { afterEach, describe, expect, it } from 'vitest'
import { helmetHeaders } from '../../plugins/security-headers.ts'
import { bearer, createTask, startStack, type Stack } from '../helper.ts'
import { openSse } from '../sse-client.ts'

let stack: Stack | undefined
afterEach(async () => {
  await stack?.close()
  stack = undefined
})

// The document-only headers helmet sends: what a JSON answer has no use for.
const DOCUMENT_ONLY = ['x-frame-options', 'cross-origin-opener-policy', 'origin-agent-cluster', 'referrer-policy', 'x-dns-prefetch-control',
  'x-download-options', 'x-permitted-cross-domain-policies', 'x-xss-protection']

const headersOf = (res: Response): Record<string, string> => Object.fromEntries(res.headers.entries())

describe('security headers', () => {
  it('are worked out from helmet: the document set includes the API set', () => {
    const all = helmetHeaders({ contentSecurityPolicy: false })
    expect(all).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN' })
    for (const name of DOCUMENT_ONLY) expect(all).toHaveProperty(name)
  })

  it('are the API set on JSON answers, errors and callbacks included', async () => {
    stack = await startStack()
    const task = await createTask(stack, { prompt: 'calm piano' })
    const answers = [
      await fetch(`${stack.url}/v1/tasks/${task.id}`, { headers: bearer() }),
      await fetch(`${stack.url}/v1/tasks/no-such-task`, { headers: bearer() }),
      await fetch(`${stack.url}/v1/tasks`),
      await fetch(`${stack.url}/webhooks/tomoviee?task=x&token=y`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      await fetch(`${stack.url}/healthz`)
    ]
    expect(answers.map((r) => r.status)).toEqual([200, 404, 401, 401, 200])
    for (const res of answers) {
      const headers = headersOf(res)
      expect(headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'strict-transport-security': 'max-age=15552000',
        'cross-origin-resource-policy': 'cross-origin'
      })
      for (const name of DOCUMENT_ONLY) expect(headers, `${res.url} ${name}`).not.toHaveProperty(name)
    }
  })

  it('are the full set where a browser renders the answer: docs, demo page, media, unknown paths', async () => {
    stack = await startStack()
    const answers = [
      await fetch(`${stack.url}/docs/`),
      await fetch(`${stack.url}/`),
      await fetch(`${stack.url}/media/some/file.mp3`),
      await fetch(`${stack.url}/no-such-page`)
    ]
    expect(answers.map((r) => r.status)).toEqual([200, 200, expect.any(Number), 404])
    for (const res of answers) {
      const headers = headersOf(res)
      expect(headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN', 'cross-origin-resource-policy': 'cross-origin' })
      for (const name of DOCUMENT_ONLY) expect(headers, `${res.url} ${name}`).toHaveProperty(name)
    }
    expect(answers[0]!.headers.get('content-security-policy')).toMatch(/default-src 'self'/)
    expect(answers[1]!.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/)
  })

  it('are left to the event streams themselves', async () => {
    stack = await startStack()
    const sse = await openSse(`${stack.url}/v1/events`, bearer())
    try {
      expect(sse.headers.get('content-type')).toMatch(/^text\/event-stream/)
      expect(sse.headers.get('x-frame-options')).toBeNull()
    } finally {
      sse.close()
    }
  })
})
