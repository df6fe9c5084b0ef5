/**
 * The baseline for the upload benchmark: a bare node:http server that streams each request body
 * to a file, as little work as receiving the same bytes can be.
 */
import { createWriteStream } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { startChild } from './child.ts'

const dir = process.env.BENCH_UPLOAD_DIR ?? '/tmp'
let n = 0
const server = createServer((req, res) => {
  pipeline(req, createWriteStream(join(dir, `raw-${n++}`))).then(
    () => { res.writeHead(204).end() },
    () => { res.writeHead(500).end() }
  )
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))

startChild({
  info: { port: (server.address() as AddressInfo).port },
  onStop: async () => { await new Promise((resolve) => server.close(resolve)) }
})
