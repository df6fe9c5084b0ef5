import { Redis } from 'ioredis'
import { REDIS_URL } from '../redis-helper.ts'

/** A test connection that fails fast instead of queueing commands while Redis is away. */
export async function connectRedis (): Promise<Redis> {
  const conn = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 1000 })
  await conn.connect()
  conn.options.enableOfflineQueue = false
  return conn
}

/** Every key whose name contains `fragment`. */
export async function keysContaining (conn: Redis, fragment: string): Promise<string[]> {
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, batch] = await conn.scan(cursor, 'MATCH', `*${fragment}*`, 'COUNT', 500)
    keys.push(...batch)
    cursor = next
  } while (cursor !== '0')
  return keys.sort()
}
