// What a team adopting the client does, end to end: pack the package, install the tarball into a
// fresh project (no registry: the package has no dependencies), compile a strict TypeScript program
// against it, and run that program's watch() against a demo BFF started from this repository.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const tsc = join(root, 'node_modules/typescript/bin/tsc')
const work = mkdtempSync(join(tmpdir(), 'bff-client-smoke-'))
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })

const freePort = () => new Promise((resolve, reject) => {
  const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
    const { port } = server.address()
    server.close(() => resolve(port))
  })
})

async function startBff () {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/server.ts')], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', DEMO: 'true', PORT: String(port), SIMULATOR_PORT: '0', DATABASE_PATH: ':memory:', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit']
  })
  const deadline = Date.now() + 30_000
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, child }
    } catch {}
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('the demo BFF did not start')
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

const consumer = (url) => `import { BffClientError, createClient, type Task, type WatchEvent } from '@tomoviee-bff/client'

const client = createClient({ baseUrl: ${JSON.stringify(url)}, credentials: 'dev-key', transport: 'fetch' })
const names: string[] = (await client.capabilities()).map((c) => c.name)
if (!names.includes('text-to-music')) throw new Error('text-to-music is not offered: ' + names.join(', '))
const task: Task = await client.createTask('text-to-music', { prompt: 'Smoke test from a fresh project #delay=1500', count: 1 })
const seen: string[] = []
for await (const event of client.watch(task.id)) {
  const e: WatchEvent = event
  seen.push(e.type === 'reset' ? 'reset' : e.type + ':' + e.task.progress)
}
const last = await client.getTask(task.id)
if (last.status !== 'succeeded' || last.outputs.length === 0) throw new Error('the task did not succeed: ' + JSON.stringify(last))
try {
  await client.getTask('no-such-task')
  throw new Error('a missing task did not fail')
} catch (err) {
  if (!(err instanceof BffClientError) || err.code !== 'BFF_ERR_TASK_NOT_FOUND') throw err
}
console.log('watch() saw ' + seen.join(' '))
`

let bff
try {
  run('npm', ['pack', '--workspace', '@tomoviee-bff/client', '--pack-destination', work, '--silent'], root)
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))
  if (!tarball) throw new Error('npm pack produced no tarball')
  const app = join(work, 'app')
  execFileSync('mkdir', ['-p', app])
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'smoke', private: true, type: 'module' }))
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--silent', join(work, tarball)], app)
  const installed = readdirSync(join(app, 'node_modules'), { recursive: true }).filter((f) => String(f).endsWith('package.json'))
  if (installed.length !== 1) throw new Error(`the install brought more than the client: ${installed.join(', ')}`)

  bff = await startBff()
  writeFileSync(join(app, 'main.ts'), consumer(bff.url))
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023', 'DOM', 'DOM.Iterable'], types: [],
      strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, skipLibCheck: false, outDir: 'out'
    },
    include: ['main.ts']
  }))
  run(process.execPath, [tsc, '-p', '.'], app)
  process.stdout.write(run(process.execPath, [join(app, 'out/main.js')], app))
  console.log(`client smoke: ${tarball} installed with 0 dependencies, compiled strictly and watched a task to the end`)
} finally {
  bff?.child.kill('SIGTERM')
  rmSync(work, { recursive: true, force: true })
}
