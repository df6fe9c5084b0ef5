/**
 * Start-up checks and messages: every expected failure becomes one line naming the variable and
 * the value to change, with no stack trace, and nothing is left running when the start fails.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { Redis } from 'ioredis'

/** Redis at start: this many attempts, this far apart (about ten seconds), then a refusal. */
export const REDIS_START_ATTEMPTS = 5
export const REDIS_START_DELAY_MS = 2_000

/** Writes the problems, one line each, and marks the process failed. */
export function refuseToStart (problems: readonly string[]): void {
  for (const problem of problems) process.stderr.write(`Cannot start: ${problem}\n`)
  process.exitCode = 1
}

/** Why the SQLite file cannot be opened where DATABASE_PATH says, checked before anything starts. */
export function databasePathProblem (path: string): string | undefined {
  if (path === ':memory:') return undefined
  const named = `DATABASE_PATH=${JSON.stringify(path)}`
  const file = resolve(path)
  if (existsSync(file)) {
    if (statSync(file).isDirectory()) return `${named}: is a folder; name a file in it, e.g. ${join(path, 'bff.sqlite')}`
    try { accessSync(file, constants.R_OK | constants.W_OK) } catch { return `${named}: the file is not readable and writable by this user` }
    return undefined
  }
  // The store creates missing folders: the nearest existing one must be a writable folder.
  let dir = dirname(file)
  while (!existsSync(dir)) dir = dirname(dir)
  if (!statSync(dir).isDirectory()) return `${named}: ${dir} is a file, so no folder can be created under it`
  try { accessSync(dir, constants.W_OK) } catch { return `${named}: the folder ${dir} is not writable by this user` }
  return undefined
}

/** The one-line reason a listen failed, or undefined for an unexpected error. */
export function listenProblem (err: unknown, variable: 'PORT' | 'SIMULATOR_PORT', host: string, port: number): string | undefined {
  const code = (err as { code?: string }).code
  if (code === 'EADDRINUSE') return `${variable}=${port}: port ${port} on ${host} is already in use; stop what holds it or set ${variable} to a free port`
  if (code === 'EACCES') return `${variable}=${port}: this user may not listen on port ${port} (ports below 1024 need privileges); choose another`
  if (code === 'EADDRNOTAVAIL') return `HOST=${host}: this machine has no such address`
  return undefined
}

/** The URL without its password, for messages. */
function redactedUrl (url: string): string {
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}

async function pingOnce (url: string): Promise<void> {
  const conn = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 2_000, enableOfflineQueue: false })
  // The socket's own error (ECONNREFUSED, ENOTFOUND) says more than the rejection ("Connection is closed").
  let socketError: unknown
  conn.on('error', (err) => { socketError ??= err })
  try {
    await conn.connect()
    await conn.ping()
  } catch (err) {
    throw socketError ?? err
  } finally {
    conn.disconnect()
  }
}

/**
 * Waits for Redis before anything starts. A Redis that comes up within the attempts is fine (it
 * often starts beside the BFF); one that does not is a refusal naming REDIS_URL.
 */
export async function redisProblem (url: string, onRetry: (attempt: number, reason: string) => void): Promise<string | undefined> {
  let reason = ''
  for (let attempt = 1; attempt <= REDIS_START_ATTEMPTS; attempt++) {
    try {
      await pingOnce(url)
      return undefined
    } catch (err) {
      reason = (err as { code?: string }).code ?? (err as Error).message
      if (attempt < REDIS_START_ATTEMPTS) {
        onRetry(attempt, reason)
        await new Promise((resolve) => setTimeout(resolve, REDIS_START_DELAY_MS))
      }
    }
  }
  const waited = ((REDIS_START_ATTEMPTS - 1) * REDIS_START_DELAY_MS) / 1000
  return `REDIS_URL=${redactedUrl(url)}: Redis is not reachable (${reason}) after ${REDIS_START_ATTEMPTS} attempts over ${waited} s; start Redis or fix REDIS_URL`
}
