/**
 * Upload throughput and memory: a 100 MB file sent in one tus creation-with-upload request to the
 * BFF in embedded mode (disk backend) and, when a Redis answers, in distributed mode (Redis, and
 * an s3rver bucket in its own process that holds the parts and the finished file), against the
 * same bytes streamed to disk by a bare node:http server; the peak RSS of each server while it
 * receives. Medians over the rounds. Updates the "Uploads" section of
 * BENCHMARKS.md (run.ts keeps that section when it rewrites the rest).
 *
 *   npm run bench:upload -- [--rounds=N] [--mb=N]
 */
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { freePort } from '../helper.ts'
import { dropPrefix, REDIS_URL, redisAvailable, testPrefix } from '../redis-helper.ts'
import { S3_CREDENTIALS } from '../s3-helper.ts'
import { median, nowMs, progress, ROOT, rssBytes, spawnChild, type Child } from './common.ts'

const arg = (name: string, fallback: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
const ROUNDS = arg('rounds', 3)
const SIZE = arg('mb', 100) * 1024 * 1024
export const UPLOAD_SECTION = '## Uploads'

function makeFile (dir: string): string {
  const path = join(dir, 'source.mp4')
  const body = randomBytes(SIZE)
  Buffer.from([0, 0, 0, 0x18]).copy(body, 0)
  Buffer.from('ftypisom', 'latin1').copy(body, 4)
  writeFileSync(path, body)
  return path
}

/** Sends the file once, sampling the server's RSS every 10 ms; seconds taken and the peak RSS. */
async function send (server: Child, url: string, headers: Record<string, string>, file: string): Promise<{ sec: number, peakRss: number, status: number }> {
  let peakRss = rssBytes(server.pid)
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, rssBytes(server.pid)) }, 10)
  const t0 = nowMs()
  const res = await request(url, { method: 'POST', headers: { ...headers, 'content-length': String(SIZE) }, body: createReadStream(file, { highWaterMark: 1 << 20 }) })
  await res.body.dump()
  const sec = (nowMs() - t0) / 1000
  clearInterval(sampler)
  return { sec, peakRss: Math.max(peakRss, rssBytes(server.pid)), status: res.statusCode }
}

const dir = mkdtempSync(join(tmpdir(), 'bff-bench-upload-'))
const file = makeFile(dir)
const mb = SIZE / 2 ** 20
const rows: { name: string, mbps: number[], peak: number[], idle: number[] }[] = []
const distributed = await redisAvailable()
const prefix = testPrefix()
const children: Child[] = []
try {
  const tusHeaders = { authorization: 'Bearer bench-upload-key', 'tus-resumable': '1.0.0', 'upload-length': String(SIZE), 'content-type': 'application/offset+octet-stream' }
  async function startBff (name: string, env: Record<string, string>): Promise<string> {
    const port = await freePort()
    children.push(await spawnChild(name, 'bff-server.ts', {
      env: { PORT: String(port), DATABASE_PATH: ':memory:', LOG_LEVEL: 'warn', API_KEYS: 'bench:bench-upload-key', JWT_SECRET: 'x'.repeat(32), TOMOVIEE_APP_KEY: 'k', TOMOVIEE_APP_SECRET: 's', UPLOAD_QUOTA_BYTES: String(SIZE * (ROUNDS + 1)), ...env }
    }))
    return `http://127.0.0.1:${port}/v1/uploads`
  }
  const targets: { name: string, child: Child, url: string, headers: Record<string, string> }[] = []
  const embeddedUrl = await startBff('bff', { MEDIA_DIR: join(dir, 'media') })
  targets.push({ name: 'BFF embedded (tus creation-with-upload, disk backend)', child: children.at(-1)!, url: embeddedUrl, headers: tusHeaders })
  if (distributed) {
    const s3 = await spawnChild('s3', 's3-server.ts', { quiet: true })
    children.push(s3)
    const url = await startBff('bff-distributed', {
      MEDIA_DIR: join(dir, 'media-distributed'), REDIS_URL, REDIS_PREFIX: prefix, MEDIA_LINK_SECRET: 'bench-upload-link-secret-000000000001',
      MEDIA_S3_BUCKET: String(s3.info.bucket), MEDIA_S3_ENDPOINT: String(s3.info.endpoint), MEDIA_S3_FORCE_PATH_STYLE: 'true',
      MEDIA_S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId, MEDIA_S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey
    })
    targets.push({ name: 'BFF distributed (Redis + s3rver: parts, then the published file)', child: children.at(-1)!, url, headers: tusHeaders })
  } else {
    progress('no Redis reachable: distributed mode is left out')
  }
  const raw = await spawnChild('raw', 'raw-upload.ts', { env: { BENCH_UPLOAD_DIR: dir } })
  children.push(raw)
  targets.push({ name: 'node:http piping to a file', child: raw, url: `http://127.0.0.1:${String(raw.info.port)}/`, headers: { 'content-type': 'application/octet-stream' } })
  for (const t of targets) rows.push({ name: t.name, mbps: [], peak: [], idle: [] })
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, t] of targets.entries()) {
      const idle = rssBytes(t.child.pid)
      const r = await send(t.child, t.url, t.headers, file)
      if (r.status >= 300) throw new Error(`${t.name} answered ${r.status}`)
      rows[i]!.mbps.push(mb / r.sec)
      rows[i]!.peak.push(r.peakRss)
      rows[i]!.idle.push(idle)
      progress(`round ${round + 1} ${t.name}: ${(mb / r.sec).toFixed(0)} MiB/s, RSS ${(idle / 2 ** 20).toFixed(0)} -> peak ${(r.peakRss / 2 ** 20).toFixed(0)} MiB`)
    }
  }
} finally {
  await Promise.all(children.map((c) => c.stop()))
  if (distributed) await dropPrefix(prefix)
  rmSync(dir, { recursive: true, force: true })
}

const mib = (n: number): string => (n / 2 ** 20).toFixed(0)
const section = [
  UPLOAD_SECTION,
  '',
  `One ${mb} MiB file (random bytes behind an MP4 header) sent in a single request on loopback, ${ROUNDS} rounds, medians; written by \`npm run bench:upload\`.`,
  'Peak RSS is sampled every 10 ms from /proc while the server receives. Uploads stream: the BFF\'s',
  'peak stays far below the file size. In distributed mode the request answers once the file is',
  'published: its 8 MiB parts are written to the bucket as they arrive, then streamed back into one',
  'object, so the bytes cross loopback three times (the s3rver runs in its own process, not counted).',
  '',
  '| Server | Throughput | RSS before the first upload | Peak RSS during uploads |',
  '|---|---|---|---|',
  ...rows.map((r) => `| ${r.name} | ${median(r.mbps).toFixed(0)} MiB/s | ${mib(r.idle[0] ?? 0)} MiB | ${mib(Math.max(...r.peak))} MiB |`),
  ''
].join('\n')
process.stdout.write(`${section}\n`)
const path = join(ROOT, 'BENCHMARKS.md')
const current = readFileSync(path, 'utf8')
const at = current.indexOf(UPLOAD_SECTION)
// Only this section is replaced: sections written after it by hand stay where they are.
const next = at === -1 ? -1 : current.indexOf('\n## ', at + UPLOAD_SECTION.length)
const before = (at === -1 ? current : current.slice(0, at)).trimEnd()
const after = next === -1 ? '' : current.slice(next)
writeFileSync(path, `${before}\n\n${section}${after}`)
progress('updated the Uploads section of BENCHMARKS.md')
