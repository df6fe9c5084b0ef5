/**
 * A lean SSE load client for scenarios 3 and 4: raw node:net sockets (connectRawSse), and no parsing
 * beyond a byte search for the awaited event's marker. One process holds a share of the
 * connections; the coordinator drives it over IPC:
 *   open  {port, conns: [{path, auth, expect, port?}], concurrency} -> {opened, failed, statuses}
 *         (a connection's own port, when given, wins over `port`: streams spread over several servers)
 *   arm   {marker}    -> forget earlier receipts; from now on the first chunk holding `marker` counts
 *   wait  {timeoutMs} -> when every expected connection has it (or at the timeout): receive times
 *   close             -> destroys every socket
 * Receive times are CLOCK_MONOTONIC milliseconds, comparable with the coordinator's send time.
 */
import type { Socket } from 'node:net'
import { startChild } from './child.ts'
import { nowMs } from './common.ts'
import { connectRawSse } from './raw-sse.ts'

interface Conn {
  socket: Socket
  expect: boolean
  /** Receive time of the marker since the last arm; NaN until then. */
  at: number
  tail: Buffer
}

const conns: Conn[] = []
let marker = Buffer.alloc(0)
let armed = false
let waiting = 0
let unexpected = 0
let onAllReceived: (() => void) | null = null
let closedByServer = 0

function openOne (port: number, spec: { path: string, auth?: string, expect: boolean }): Promise<number> {
  // Its socket is set below, before any handler can run.
  const conn = { expect: spec.expect, at: Number.NaN, tail: Buffer.alloc(0) } as Conn
  const { socket, status } = connectRawSse({ port, path: spec.path, auth: spec.auth, headTimeoutMs: 30_000 }, {
    onOpen () { conns.push(conn) },
    onBody (chunk) {
      if (!armed || marker.length === 0 || !Number.isNaN(conn.at)) return
      const hay = conn.tail.length ? Buffer.concat([conn.tail, chunk]) : chunk
      if (hay.indexOf(marker) !== -1) {
        conn.at = nowMs()
        if (!conn.expect) { unexpected++; return }
        if (--waiting === 0) onAllReceived?.()
        return
      }
      conn.tail = hay.subarray(Math.max(0, hay.length - marker.length + 1))
    },
    onClose (opened) { if (opened) closedByServer++ }
  })
  conn.socket = socket
  return status
}

startChild({
  info: {},
  handlers: {
    async open (msg) {
      const port = Number(msg.port)
      const specs = msg.conns as { path: string, auth?: string, expect: boolean, port?: number }[]
      const concurrency = Number(msg.concurrency ?? 64)
      const statuses: Record<string, number> = {}
      let next = 0
      let opened = 0
      await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, async () => {
        while (next < specs.length) {
          const spec = specs[next++]!
          const status = await openOne(spec.port ?? port, spec)
          statuses[status] = (statuses[status] ?? 0) + 1
          if (status === 200) opened++
        }
      }))
      return { opened, failed: specs.length - opened, statuses }
    },
    arm (msg) {
      marker = Buffer.from(String(msg.marker), 'latin1')
      unexpected = 0
      waiting = 0
      for (const c of conns) {
        c.at = Number.NaN
        c.tail = Buffer.alloc(0)
        if (c.expect && !c.socket.destroyed) waiting++
      }
      armed = true
      return { waiting }
    },
    async wait (msg) {
      if (waiting > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Number(msg.timeoutMs ?? 30_000))
          onAllReceived = () => { clearTimeout(timer); resolve() }
        })
        onAllReceived = null
      }
      armed = false
      return {
        times: conns.filter((c) => c.expect).map((c) => c.at),
        missing: waiting,
        unexpected,
        closedByServer
      }
    },
    close () {
      for (const c of conns) c.socket.destroy()
      conns.length = 0
      return true
    }
  },
  onStop: () => { for (const c of conns) c.socket.destroy() }
})
