import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../src/meta.ts'
import { spawnBff, type BffProcess } from './process.ts'

const run = promisify(execFile)
const PORT = 6477
const SIMULATOR_PORT = 6478
const BASE = `http://127.0.0.1:${PORT}`

/** The README's walk-through, as the shell commands a reader pastes, with the documented answers. */
function walkThrough (): { commands: string[], block: string } {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8')
  const section = readme.split('## Walk-through with curl')[1]!
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!
  const commands = block.replace(/\\\n\s*/g, '').split('\n').filter((line) => line.startsWith('curl ') || line.startsWith('TASK='))
  return { commands, block }
}

/** Runs one README command against this test's server, as a reader's shell would. */
async function sh (command: string, cwd: string, env: Record<string, string> = {}): Promise<string> {
  const local = command.replaceAll('127.0.0.1:3000', `127.0.0.1:${PORT}`)
  const { stdout } = await run('bash', ['-c', local], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 })
  return stdout
}

describe('the README walk-through against a real demo server', () => {
  let bff: BffProcess
  let dir: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'walkthrough-'))
    bff = await spawnBff({ PORT: String(PORT), SIMULATOR_PORT: String(SIMULATOR_PORT), DATABASE_PATH: join(dir, 'bff.sqlite'), LOG_LEVEL: 'info' }, BASE)
  }, 60_000)

  afterAll(async () => {
    bff?.child.kill('SIGTERM')
    await bff?.exited
    rmSync(dir, { recursive: true, force: true })
  })

  it('names the demo page when it starts', () => {
    expect(bff.output()).toContain(`demo page at ${BASE}/`)
  })

  it('answers each step as documented', async () => {
    const { commands, block } = walkThrough()
    expect(commands).toHaveLength(6)
    expect(commands[1]).toMatch(/^TASK=/)
    const [create, , stream, read, list, download] = commands as [string, string, string, string, string, string]

    // 1. "-> 202 {"id":...,"status":"queued","progress":0,...}"
    expect(block).toContain('# -> 202 {"id":"<task id>","status":"queued","progress":0,')
    const created = (await sh(create.replace(/^curl /, "curl -w '\\n%{http_code}' "), dir)).trim().split('\n')
    expect(created.at(-1)).toBe('202')
    const task = JSON.parse(created[0]!) as { id: string, status: string, progress: number }
    expect(task).toMatchObject({ status: 'queued', progress: 0 })
    const env = { TASK: task.id }

    // 2. The stream: its opening lines, queued, rising progress, then succeeded with an audio output.
    const events = await sh(stream, dir, env)
    expect(events.startsWith(': stream open\nretry: 3000\n'), events).toBe(true)
    const names = [...events.matchAll(/^event: (.+)$/gm)].map((m) => m[1])
    const documented = [...block.matchAll(/^# event: (.+)$/gm)].map((m) => m[1])
    expect(documented).toEqual(['task.queued', 'task.processing', 'task.succeeded'])
    // The stream opens with the task's current state: on a loaded machine the simulator may already be working on it.
    expect(['task.queued', 'task.processing']).toContain(names[0])
    expect(names.at(-1)).toBe('task.succeeded')
    expect(names.slice(1, -1).every((n) => n === 'task.processing') && names.length > 2).toBe(true)
    const last = JSON.parse(events.trim().split('\n').at(-1)!.replace(/^data: /, '')) as { outputs: { type: string, url: string, sourceUrl?: string }[] }
    expect(last.outputs[0]!.type).toBe('audio')
    // Output custody: the BFF's own signed link, with the simulator's original kept beside it.
    expect(last.outputs[0]!.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${PORT}/media/outputs/.+/0\\?expires=\\d+&sig=`))
    expect(last.outputs[0]!.sourceUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${SIMULATOR_PORT}/assets/.+/0\\.wav$`))
    expect(block).toContain('"url":"http://127.0.0.1:3000/media/outputs/.../0?expires=...&sig=...","sourceUrl":"http://127.0.0.1:4010/assets/.../0.wav"')

    // 3. Read it again; list the owner's succeeded tasks.
    expect(JSON.parse(await sh(read, dir, env))).toMatchObject({ id: task.id, status: 'succeeded', progress: 100 })
    const page = JSON.parse(await sh(list, dir, env)) as { items: { id: string }[] }
    expect(page.items.map((t) => t.id)).toContain(task.id)

    // 4. "the simulator serves a real, playable WAV"
    await sh(download, dir, env)
    const wav = readFileSync(join(dir, 'bgm.wav'))
    expect(wav.subarray(0, 4).toString('latin1')).toBe('RIFF')
    expect(wav.subarray(8, 12).toString('latin1')).toBe('WAVE')
  }, 90_000)
})
