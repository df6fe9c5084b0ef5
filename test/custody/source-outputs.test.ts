import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCustody } from '../../src/custody/custody.ts'
import { createOutputFetcher } from '../../src/custody/fetch.ts'
import { createDiskMediaStore } from '../../src/media/disk.ts'
import { generateSvg } from '../../src/providers/simulator-kit/svg.ts'
import type { Output } from '../../src/tasks/model.ts'
import { outputProblem } from '../../src/tasks/outputs.ts'

// Inline source text (EdrawMax's diagram source) is not a file: custody and the URL policy leave it be.
describe('outputs with inline source text', () => {
  let server: Server
  let host: string
  let dir: string
  let requests = 0
  beforeAll(async () => {
    server = createServer((_req, res) => { requests++; res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(generateSvg({ labels: ['<script>'] })) })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`
    dir = mkdtempSync(join(tmpdir(), 'bff-source-outputs-'))
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  })

  it('copies the file outputs only, keeps the source as it is, and serves an SVG copy as bytes', async () => {
    const media = createDiskMediaStore(dir)
    const owed: string[] = []
    const custody = createCustody({
      media, fetcher: createOutputFetcher({ policy: { httpAllowHosts: [host] }, maxBytes: 1_000_000, timeoutMs: 10_000 }),
      links: { signUntil: (key) => `https://bff.example/media/${key}` }, retentionMs: 86_400_000, maxBytes: 1_000_000, timeoutMs: 10_000,
      now: Date.now, owe: async (id) => { owed.push(id) }, onCopy: () => {}, log: { warn: () => {} }
    })
    const source: Output = { type: 'source', format: 'mermaid', text: 'flowchart TD\n  a --> b' }
    const outputs: Output[] = [{ type: 'vector', url: `http://${host}/d.svg` }, source]
    const copied = await custody.take('task-1', outputs)
    expect(requests).toBe(1)
    expect(copied[1]).toEqual(source)
    expect(copied[0]).toMatchObject({ type: 'vector', url: 'https://bff.example/media/outputs/task-1/0', sourceUrl: `http://${host}/d.svg`, custody: { status: 'stored' } })
    expect((await media.stat('outputs/task-1/0'))?.contentType).toBe('application/octet-stream')
    expect(owed).toEqual([])
    expect(await custody.retry('task-1', copied, true)).toEqual(copied)
  })

  it('checks the URLs of file outputs and lets inline text through', () => {
    const policy = { httpAllowHosts: [] }
    expect(outputProblem([{ type: 'source', format: 'edrawmax', text: '<b>"quoted"</b> text' }], policy)).toBeNull()
    expect(outputProblem([{ type: 'source', format: 'mermaid', text: 'a' }, { type: 'vector', url: 'http://127.0.0.1/x.svg' }], policy)).not.toBeNull()
  })
})
