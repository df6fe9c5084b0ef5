import { afterEach, describe, expect, it } from 'vitest'
import { bearer, createTask, eventually, getTask, startStack, tempDbPath, type Stack } from '../helper.ts'
import { openSse } from '../sse-client.ts'

let stack: Stack | undefined
let db: ReturnType<typeof tempDbPath> | undefined
afterEach(async () => {
  await stack?.close()
  db?.cleanup()
})

describe('a restart on the same database file', () => {
  it('still serves the task and applies the callback that arrives after the restart', async () => {
    db = tempDbPath()
    stack = await startStack({ env: { DATABASE_PATH: db.path } })
    const task = await createTask(stack, { prompt: 'slow #delay=1500' })
    const before = await openSse(`${stack.url}/v1/tasks/${task.id}/events`, bearer())
    const queued = await before.waitFor((f) => f.event === 'task.queued')
    before.close()

    await stack.stopBff()
    await stack.startBff() // a new app, same file, same port: the gateway's callback finds it

    expect((await getTask(stack, task.id)).body).toMatchObject({ id: task.id, status: 'queued' })
    const done = await eventually(() => getTask(stack!, task.id), (r) => r.body.status === 'succeeded', 5000)
    expect(done.body.outputs[0]?.type).toBe('audio')

    // The event log survived too: resuming after the pre-restart event yields exactly what followed.
    const resumed = await openSse(`${stack.url}/v1/tasks/${task.id}/events`, { ...bearer(), 'last-event-id': queued.id! })
    await resumed.ended
    expect(resumed.events().map((e) => e.event)).toEqual(['task.succeeded'])
    expect(resumed.events()[0]!.id).toBeGreaterThan(Number(queued.id))
  })
})
