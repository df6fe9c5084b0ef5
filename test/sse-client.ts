export interface Frame {
  id?: string
  event?: string
  data?: string
  retry?: string
  comments: string[]
}

export interface SseConnection {
  status: number
  headers: Headers
  frames: Frame[]
  /** Frames that carry an event (data present), parsed. */
  events: () => { id: number, event: string, data: { id: string, status: string, progress: number, outputs: { type: string, url: string }[], error: { code: string } | null } }[]
  /** Resolves once a frame matching the predicate has arrived. */
  waitFor: (pred: (f: Frame) => boolean, timeoutMs?: number) => Promise<Frame>
  /** Resolves when the server ends the stream. */
  ended: Promise<void>
  close: () => void
}

function parseFrame (block: string): Frame {
  const frame: Frame = { comments: [] }
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) { frame.comments.push(line.slice(1).trim()); continue }
    const at = line.indexOf(':')
    const field = at === -1 ? line : line.slice(0, at)
    const value = at === -1 ? '' : line.slice(at + 1).replace(/^ /, '')
    if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`
    else if (field === 'id' || field === 'event' || field === 'retry') frame[field] = value
  }
  return frame
}

/** A minimal SSE reader over fetch, for tests that need to see every frame the server wrote. */
export async function openSse (url: string, headers: Record<string, string> = {}): Promise<SseConnection> {
  const controller = new AbortController()
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal })
  const frames: Frame[] = []
  const waiters = new Set<() => void>()
  let done = false

  const ended = (async () => {
    if (!res.body) return
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
    let buffer = ''
    try {
      for (;;) {
        const { value, done: finished } = await reader.read()
        if (finished) break
        buffer += value
        let cut: number
        while ((cut = buffer.indexOf('\n\n')) !== -1) {
          frames.push(parseFrame(buffer.slice(0, cut)))
          buffer = buffer.slice(cut + 2)
          for (const w of waiters) w()
        }
      }
    } catch {
      // aborted by close()
    } finally {
      done = true
      for (const w of waiters) w()
    }
  })()

  return {
    status: res.status,
    headers: res.headers,
    frames,
    events: () => frames.filter((f) => f.data !== undefined && f.event !== undefined && f.event.startsWith('task.'))
      .map((f) => ({ id: Number(f.id), event: f.event!, data: JSON.parse(f.data!) })),
    waitFor (pred, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const hit = frames.find(pred)
          if (hit) { cleanup(); resolve(hit) } else if (done) { cleanup(); reject(new Error(`stream ended without the frame; got ${JSON.stringify(frames)}`)) }
        }
        const timer = setTimeout(() => { cleanup(); reject(new Error(`no such frame in ${timeoutMs} ms; got ${JSON.stringify(frames)}`)) }, timeoutMs)
        const cleanup = (): void => { clearTimeout(timer); waiters.delete(check) }
        waiters.add(check)
        check()
      })
    },
    ended,
    close: () => controller.abort()
  }
}
