// The BFF's HTTP API as the page uses it: bearer-authenticated JSON calls, and event streams that
// authenticate with short-lived stream tokens because EventSource cannot send headers.

import { TASK_EVENTS } from './statuses.js'

const KEY_STORAGE = 'tomoviee-bff.apiKey'

export function loadApiKey () {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? 'dev-key'
  } catch {
    // Storage can be disabled (privacy settings); the demo key still works.
    return 'dev-key'
  }
}

export function saveApiKey (key) {
  try { localStorage.setItem(KEY_STORAGE, key) } catch { /* see loadApiKey */ }
}

/** An error answer of the BFF ({statusCode, code, message, issues?}) or a network failure. */
export class ApiError extends Error {
  constructor (body, status) {
    super(body?.message ?? `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.code = body?.code ?? (status === 0 ? 'NETWORK_ERROR' : 'HTTP_ERROR')
    this.issues = Array.isArray(body?.issues) ? body.issues : []
    // Set when the task was recorded before the failure (e.g. the gateway timed out).
    this.taskId = body?.taskId
  }
}

/** A random Idempotency-Key; getRandomValues also works on plain-http origins, randomUUID does not. */
export function newIdempotencyKey () {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return 'demo-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

export function createApi (getKey) {
  async function call (method, path, { body, headers } = {}) {
    let res
    try {
      res = await fetch(path, {
        method,
        headers: {
          authorization: `Bearer ${getKey()}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers
        },
        body: body !== undefined ? JSON.stringify(body) : undefined
      })
    } catch (err) {
      throw new ApiError({ message: `The BFF could not be reached (${err.message})` }, 0)
    }
    const text = await res.text()
    let data = null
    try { data = text ? JSON.parse(text) : null } catch { data = { message: text.slice(0, 200) } }
    if (!res.ok) throw new ApiError(data, res.status)
    return data
  }

  return {
    capabilities: () => call('GET', '/v1/capabilities'),
    listTasks: (limit = 10) => call('GET', `/v1/tasks?limit=${limit}`),
    getTask: (id) => call('GET', `/v1/tasks/${encodeURIComponent(id)}`),
    cancelTask: (id) => call('POST', `/v1/tasks/${encodeURIComponent(id)}/cancel`),
    createTask: (capability, body, idempotencyKey, metadata) =>
      call('POST', `/v1/tasks/${encodeURIComponent(capability)}`, { body: metadata ? { ...body, metadata } : body, headers: { 'idempotency-key': idempotencyKey } }),
    streamToken: (taskId) => call('POST', '/v1/stream-tokens', { body: taskId ? { taskId } : {} })
  }
}

/**
 * An EventSource on `path` that survives what EventSource alone does not: when a reconnect is
 * refused (an expired token answers 401 and EventSource gives up for good), it mints a fresh token
 * and resumes after the last event seen, backing off so a lasting outage cannot burn the
 * stream-token rate limit. Returns { close }.
 */
export function openStream (api, { path, taskId, onEvent, onReset, onState }) {
  let source = null
  let lastEventId = ''
  let closed = false
  let retryMs = 1000
  let timer = null

  const handle = (e) => {
    if (e.lastEventId) lastEventId = e.lastEventId
    retryMs = 1000
    let data
    try { data = JSON.parse(e.data) } catch { return }
    if (e.type === 'task.reset' || e.type === 'tasks.reset') onReset?.(e.type, data)
    else onEvent(e.type, data)
  }

  async function connect () {
    timer = null
    if (closed) return
    onState?.('connecting')
    let token
    try {
      ({ token } = await api.streamToken(taskId))
    } catch (err) {
      onState?.('error', err)
      // A wrong key or a missing task will not fix itself; anything else may.
      if (err.status === 401 || err.status === 404) return
      schedule()
      return
    }
    if (closed) return
    const query = new URLSearchParams({ token })
    if (lastEventId) query.set('lastEventId', lastEventId)
    source = new EventSource(`${path}?${query}`)
    source.onopen = () => onState?.('open')
    for (const type of [...TASK_EVENTS, 'task.reset', 'tasks.reset']) source.addEventListener(type, handle)
    source.addEventListener('shutdown', () => onState?.('reconnecting'))
    source.onerror = () => {
      if (closed) return
      if (source.readyState === EventSource.CLOSED) {
        // EventSource gave up (an HTTP error on reconnect): start over with a new token.
        onState?.('reconnecting')
        schedule()
      } else {
        onState?.('reconnecting')
      }
    }
  }

  function schedule () {
    if (closed || timer) return
    timer = setTimeout(connect, retryMs)
    retryMs = Math.min(retryMs * 2, 30_000)
  }

  connect()
  return {
    close () {
      closed = true
      if (timer) clearTimeout(timer)
      source?.close()
    }
  }
}
