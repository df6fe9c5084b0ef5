/**
 * Output custody's cost: one 100 MB output copied from a local node:http server into the disk
 * media store through the custody path (redirect-checked fetch, byte limit, atomic commit), against
 * the bare download of the same bytes; the peak RSS growth during the copy. Medians over the rounds.
 *
 *   npx tsx test/bench/custody-copy.ts -- [--rounds=N] [--mb=N]
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { createCustody } from '../../src/custody/custody.ts'
import { createOutputFetcher } from '../../src/custody/fetch.ts'
import { createDiskMediaStore } from '../../src/media/disk.ts'
import { isFileOutput } from '../../src/tasks/model.ts'
import { median } from './common.ts'

const arg = (name: string, fallback: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
const ROUNDS = arg('rounds', 3)
const SIZE = arg('mb', 100) * 1024 * 1024

const body = randomBytes(SIZE)
const server = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': SIZE }).end(body) })
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const host = `127.0.0.1:${(server.address() as AddressInfo).port}`
const dir = mkdtempSync(join(tmpdir(), 'bff-custody-bench-'))
const media = createDiskMediaStore(dir)
const fetcher = createOutputFetcher({ policy: { httpAllowHosts: [host] }, maxBytes: SIZE * 2, timeoutMs: 60_000 })
const custody = createCustody({
  media, fetcher, links: { signUntil: (key) => key }, retentionMs: 86_400_000, maxBytes: SIZE * 2, timeoutMs: 60_000,
  now: Date.now, owe: async () => {}, onCopy: () => {}, log: { warn: () => {} }
})

const mbps = (ms: number): number => Math.round(SIZE / 1_048_576 / (ms / 1000))
const bare: number[] = []
const copies: number[] = []
const rss: number[] = []
for (let i = 0; i < ROUNDS; i++) {
  let t = performance.now()
  const res = await request(`http://${host}/`)
  for await (const _ of res.body) { /* discard */ }
  bare.push(performance.now() - t)

  const before = process.memoryUsage().rss
  let peak = before
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 20)
  t = performance.now()
  const [out] = await custody.take(`bench-${i}`, [{ type: 'video', url: `http://${host}/` }])
  copies.push(performance.now() - t)
  clearInterval(sampler)
  rss.push(peak - before)
  if (out === undefined || !isFileOutput(out) || out.custody?.status !== 'stored') throw new Error(`copy failed: ${JSON.stringify(out)}`)
}
process.stdout.write(`${SIZE / 1_048_576} MB, ${ROUNDS} rounds (medians): bare download ${mbps(median(bare))} MB/s, custody copy to disk ${mbps(median(copies))} MB/s, ` +
  `RSS growth during the copy ${Math.round(median(rss) / 1_048_576)} MB\n`)
await fetcher.close()
server.close()
rmSync(dir, { recursive: true, force: true })
