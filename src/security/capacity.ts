import { readFileSync } from 'node:fs'

/** Descriptors kept back for what is not a client: the database files, Redis, the gateway pool, logs. */
export const RESERVED_DESCRIPTORS = 128
/** Connections kept back from streams, so probes, metrics and API calls still get in when streams are full. */
export const NON_STREAM_HEADROOM = 64

/** The soft limit on open files of this process, where the platform says (Linux); undefined elsewhere. */
export function openFileLimit (limitsText: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  let text: string
  try {
    text = limitsText()
  } catch {
    return undefined
  }
  const soft = /^Max open files\s+(\d+|unlimited)\s/m.exec(text)?.[1]
  return soft === undefined || soft === 'unlimited' ? undefined : Number(soft)
}

export interface Capacity {
  /** Open connections in total; past it, new ones are closed on accept. */
  connections: number
  /** Open event streams on this instance; past it, new ones get 503 with Retry-After. */
  streams: number
}

/**
 * What one instance can hold without running out of descriptors: a stream is a connection, and a
 * connection is a descriptor, so both caps sit below the process's limit with room to spare for
 * the instance's own files and sockets and for the requests that keep it observable.
 */
export function capacityOf (opts: { fdLimit: number | undefined, connectionsMax: number, streamsMax?: number | undefined }): Capacity {
  const byDescriptors = opts.fdLimit === undefined ? Infinity : Math.max(1, opts.fdLimit - RESERVED_DESCRIPTORS)
  const connections = Math.min(opts.connectionsMax, byDescriptors)
  const streamRoom = Math.max(1, connections - NON_STREAM_HEADROOM)
  return { connections, streams: Math.min(opts.streamsMax ?? streamRoom, streamRoom) }
}
