import { createServer } from 'node:net'

/*
 * Ports for servers a test starts, stops and starts again on the same port (restarts, kill -9).
 * A port the kernel hands out for `listen(0)` comes from the ephemeral range, where any outgoing
 * connection on the machine may take it while the test holds it unbound, and a second `listen(0)`
 * may return it again. So these come from below that range (32768 up on Linux), from a block of
 * its own per vitest worker, never twice in one process, and only after a probe finds them free.
 */
const FIRST = 20_000
const BLOCK = 1_500
const WORKER_SLOTS = 8

const worker = (Number(process.env.VITEST_POOL_ID ?? '1') - 1) % WORKER_SLOTS
const blockStart = FIRST + worker * BLOCK
// A later test file in the same worker slot starts elsewhere in the block, away from ports an
// earlier file's processes may still hold; each port of the block is offered once.
const offset = Math.floor(Math.random() * BLOCK)
let offered = 0

async function isFree (port: number): Promise<boolean> {
  const server = createServer()
  return await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

export async function freePort (): Promise<number> {
  while (offered < BLOCK) {
    const port = blockStart + (offset + offered++) % BLOCK
    if (await isFree(port)) return port
  }
  throw new Error(`no free port left in ${blockStart}-${blockStart + BLOCK - 1}`)
}
