import { describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { createSqliteStore } from '../../src/store/sqlite.ts'
import type { GatewayClient } from '../../src/providers/tomoviee/types.ts'
import { bearer, tempDbPath, testConfig } from '../helper.ts'

describe('closing the app', () => {
  it('waits for a create still talking to the gateway before the store closes', async () => {
    const db = tempDbPath()
    let release: () => void = () => {}
    const gateway: GatewayClient = {
      createTask: () => new Promise((resolve) => { release = () => resolve('up-late') }),
      getTask: async () => ({ status: 1 }),
      close: async () => {}
    }
    const app = await buildApp({ config: testConfig({ DATABASE_PATH: db.path }), logger: false, gateway })
    await app.ready()
    const pending = app.inject({ method: 'POST', url: '/v1/tasks/text-to-speech', headers: bearer(), payload: { text: 'late' } })
    await new Promise((resolve) => setTimeout(resolve, 50))
    const closing = app.close()
    setTimeout(() => release(), 100)
    await closing
    const res = await pending
    expect(res.statusCode).toBe(202)
    const store = createSqliteStore(db.path)
    const saved = await store.get(res.json<{ id: string }>().id)
    expect(saved?.upstreamTaskId).toBe('up-late')
    await store.close()
    db.cleanup()
  })
})
