/**
 * The SSE clients of the reconnect storm: raw node:net sockets (connectRawSse) like test/bench/sse-clients.ts, but
 * each one parses its frames (id and the task's progress) so that it can resume with
 * `Last-Event-ID` and show afterwards that it got every event of its owner once, in order.
 * The coordinator drives it over IPC:
 *   open   {conns: [{port, path, auth, owner}], concurrency} -> {opened, statuses}: first streams
 *   reach  {progress, timeoutMs} -> when every open stream has seen a task at >= progress: {missing}
 *   closed {timeoutMs}  -> when the server has closed every stream: {open}
 *   storm  {conns?, target?, timeoutMs} -> every stream (re)connects at once, with Last-Event-ID
 *          when it had one; a stream has caught up when it has seen progress >= target (without a
 *          target: when it is open). Resolves when all have: {opened, retries, statuses, openAt, caughtAt}
 *   verify {expected: {owner: ids}} -> compares what each stream got since the storm with the
 *          owner's log after its resume id: {lost, repeated, unexpected, resets, streams}
 *   close
 * Times are CLOCK_MONOTONIC milliseconds, comparable with the coordinator's clock.
 */
import type { Socket } from 'node:net'
import { startChild } from './child.ts'
import { nowMs, sleep } from './common.ts'
import { connectRawSse } from './raw-sse.ts'

interface Spec { port: number, path: string, auth?: string, owner: string }

interface Stream {
  spec: Spec
  socket: Socket | null
  /** The last event id received: what a resume sends as Last-Event-ID. */
  lastId: number | undefined
  /** Last-Event-ID of the storm's connection. */
  resumedFrom: number | undefined
  /** Event ids received since the storm. */
  ids: number[]
  resets: number
  progress: number
  openAt: number
  caughtAt: number
}

let streams: Stream[] = []
let target: number | undefined
/** From the storm on, every stream keeps the ids it receives (for verify). */
let recording = false
/** Wakes a waiting command after a stream changed; it checks its own condition. */
let changed: (() => void) | null = null
const poke = (): void => { changed?.() }

/** Waits until `done()` or the timeout; re-checks after every change (and every 200 ms). */
async function until (done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = nowMs() + timeoutMs
  while (!done() && nowMs() < deadline) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 200)
      changed = () => { clearTimeout(timer); resolve() }
    })
    changed = null
  }
}

const PROGRESS = /"progress":(\d+)/

/** One SSE frame (the text between blank lines): records its id and the progress it carries. */
function onFrame (s: Stream, frame: string): void {
  let id: number | undefined
  let event = ''
  let data = ''
  for (const line of frame.split('\n')) {
    if (line.startsWith('id: ')) id = Number(line.slice(4))
    else if (line.startsWith('event: ')) event = line.slice(7)
    else if (line.startsWith('data: ')) data += line.slice(6)
  }
  if (id === undefined) return
  s.lastId = id
  if (recording) s.ids.push(id)
  if (event.endsWith('.reset')) s.resets++
  const p = PROGRESS.exec(data)
  if (p) s.progress = Math.max(s.progress, Number(p[1]))
  if (Number.isNaN(s.caughtAt) && target !== undefined && s.progress >= target) {
    s.caughtAt = nowMs()
    poke()
  }
}

/** Connects one stream; resolves to the HTTP status (0 when the connection failed). */
function connectStream (s: Stream): Promise<number> {
  let text = ''
  const { socket, status } = connectRawSse({ ...s.spec, lastEventId: s.lastId, headTimeoutMs: 60_000 }, {
    onOpen () {
      s.openAt = nowMs()
      if (target === undefined && Number.isNaN(s.caughtAt)) s.caughtAt = s.openAt
      poke()
    },
    onBody (chunk) {
      // Chunked transfer encoding: the chunk-size lines sit between frames and never look like a field.
      text += chunk.toString('utf8')
      let end: number
      while ((end = text.indexOf('\n\n')) !== -1) {
        onFrame(s, text.slice(0, end))
        text = text.slice(end + 2)
      }
    },
    onClose () {
      if (s.socket === socket) s.socket = null
      poke()
    }
  })
  s.socket = socket
  return status
}

function newStream (spec: Spec): Stream {
  return { spec, socket: null, lastId: undefined, resumedFrom: undefined, ids: [], resets: 0, progress: 0, openAt: Number.NaN, caughtAt: Number.NaN }
}

startChild({
  info: {},
  handlers: {
    async open (msg) {
      const specs = msg.conns as Spec[]
      const fresh = specs.map(newStream)
      streams.push(...fresh)
      const statuses: Record<string, number> = {}
      let next = 0
      await Promise.all(Array.from({ length: Math.min(Number(msg.concurrency ?? 64), fresh.length) }, async () => {
        while (next < fresh.length) {
          const status = await connectStream(fresh[next++]!)
          statuses[status] = (statuses[status] ?? 0) + 1
        }
      }))
      return { opened: statuses[200] ?? 0, statuses }
    },
    async reach (msg) {
      const min = Number(msg.progress)
      const below = (): number => streams.filter((s) => s.socket !== null && s.progress < min).length
      await until(() => below() === 0, Number(msg.timeoutMs ?? 30_000))
      return { missing: below() }
    },
    async closed (msg) {
      await until(() => streams.every((s) => s.socket === null), Number(msg.timeoutMs ?? 30_000))
      return { open: streams.filter((s) => s.socket !== null).length }
    },
    async storm (msg) {
      if (Array.isArray(msg.conns)) streams = (msg.conns as Spec[]).map(newStream)
      target = msg.target === undefined ? undefined : Number(msg.target)
      recording = true
      for (const s of streams) {
        s.resumedFrom = s.lastId
        s.ids = []
        s.openAt = Number.NaN
        s.caughtAt = Number.NaN
      }
      const statuses: Record<string, number> = {}
      let retries = 0
      const deadline = nowMs() + Number(msg.timeoutMs ?? 120_000)
      // All at once, as clients coming back after a restart do; a refused one retries after 100 ms.
      await Promise.all(streams.map(async (s) => {
        for (;;) {
          const status = await connectStream(s)
          statuses[status] = (statuses[status] ?? 0) + 1
          if (status === 200 || nowMs() > deadline) return
          retries++
          await sleep(100)
        }
      }))
      await until(() => streams.every((s) => !Number.isNaN(s.caughtAt)), deadline - nowMs())
      return {
        opened: streams.filter((s) => !Number.isNaN(s.openAt)).length,
        retries,
        statuses,
        openAt: streams.map((s) => s.openAt),
        caughtAt: streams.map((s) => s.caughtAt)
      }
    },
    verify (msg) {
      const expected = msg.expected as Record<string, number[]>
      let lost = 0
      let repeated = 0
      let unexpected = 0
      let resets = 0
      let wrong = 0
      for (const s of streams) {
        const want = (expected[s.spec.owner] ?? []).filter((id) => id > (s.resumedFrom ?? 0))
        const got = new Set<number>()
        let dup = 0
        for (const id of s.ids) if (got.has(id)) dup++; else got.add(id)
        const wanted = new Set(want)
        const missing = want.filter((id) => !got.has(id)).length
        const extra = [...got].filter((id) => !wanted.has(id)).length
        const ordered = s.ids.every((id, i) => i === 0 || id > s.ids[i - 1]!)
        lost += missing
        repeated += dup
        unexpected += extra
        resets += s.resets
        if (missing || dup || extra || !ordered || s.resets) wrong++
      }
      return { lost, repeated, unexpected, resets, wrong, streams: streams.length, received: streams.reduce((n, s) => n + s.ids.length, 0) }
    },
    close () {
      for (const s of streams) s.socket?.destroy()
      streams = []
      target = undefined
      recording = false
      return true
    }
  },
  onStop: () => { for (const s of streams) s.socket?.destroy() }
})
