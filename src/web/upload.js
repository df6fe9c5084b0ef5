// Resumable uploads for the page on the tus protocol's few requests: POST creates the upload,
// PATCH sends one chunk, HEAD says where to go on after a pause or a dropped connection.
// XMLHttpRequest rather than fetch, because only it reports how far a request body has got.

const TUS = { 'Tus-Resumable': '1.0.0' }
// Small enough that a phone on a poor connection loses little when a chunk fails, and that the
// progress stays true: browsers count a request's bytes as sent once they have buffered them.
const CHUNK_BYTES = 1024 * 1024
const RETRIES = 4

/** A refusal of the BFF ({ code, message }) or a network failure (code NETWORK_ERROR). */
export class UploadError extends Error {
  constructor (status, body) {
    super(body?.message ?? (status === 0 ? 'The connection dropped' : `HTTP ${status}`))
    this.name = 'UploadError'
    this.status = status
    this.code = body?.code ?? (status === 0 ? 'NETWORK_ERROR' : 'HTTP_ERROR')
  }
}

const ABORTED = Symbol('aborted')

function send (method, url, headers, body, onSent) {
  const xhr = new XMLHttpRequest()
  const done = new Promise((resolve, reject) => {
    xhr.open(method, url)
    for (const [name, value] of Object.entries({ ...TUS, ...headers })) xhr.setRequestHeader(name, value)
    if (onSent) xhr.upload.onprogress = (e) => onSent(e.loaded)
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve(xhr)
      let parsed = null
      try { parsed = JSON.parse(xhr.responseText) } catch { parsed = xhr.responseText ? { message: xhr.responseText.slice(0, 200) } : null }
      reject(new UploadError(xhr.status, parsed))
    }
    xhr.onerror = () => reject(new UploadError(0))
    xhr.onabort = () => reject(ABORTED)
    xhr.send(body ?? null)
  })
  return { done, abort: () => xhr.abort() }
}

const b64 = (s) => btoa(String.fromCharCode(...new TextEncoder().encode(s)))

/**
 * Uploads `file` to /v1/uploads with the page's key. Reports through `on`: progress(sent, total),
 * paused(), retrying(error), done(reference), failed(error). Returns { pause, resume, cancel }; a
 * failed upload that was created can be resumed too, from where the server stopped.
 */
export function startUpload (file, getKey, on) {
  const endpoint = new URL('/v1/uploads', location.href).href
  let url = null
  let offset = 0
  let current = null
  let paused = false
  let running = false

  const auth = () => ({ Authorization: `Bearer ${getKey()}` })

  async function step () {
    if (!url) {
      const meta = [`filename ${b64(file.name || 'upload')}`, file.type ? `filetype ${b64(file.type)}` : ''].filter(Boolean).join(',')
      current = send('POST', endpoint, { ...auth(), 'Upload-Length': String(file.size), 'Upload-Metadata': meta })
      url = new URL((await current.done).getResponseHeader('Location'), endpoint).href
    } else {
      current = send('HEAD', url, auth())
      offset = Number((await current.done).getResponseHeader('Upload-Offset'))
    }
    while (offset < file.size) {
      const from = offset
      current = send('PATCH', url, { ...auth(), 'Upload-Offset': String(from), 'Content-Type': 'application/offset+octet-stream' },
        file.slice(from, from + CHUNK_BYTES), (sent) => on.progress(from + sent, file.size))
      offset = Number((await current.done).getResponseHeader('Upload-Offset'))
      on.progress(offset, file.size)
    }
    on.done(`upload:${url.slice(url.lastIndexOf('/') + 1)}`)
  }

  async function run () {
    running = true
    for (let failures = 0; ;) {
      try {
        await step()
        break
      } catch (err) {
        if (paused) { on.paused(); break }
        // Aborted by a pause that a resume has already undone: go on from where the server is.
        if (err === ABORTED) continue
        // A dropped connection is retried after a pause; a refusal will not change by itself.
        if (err.status !== 0 || ++failures > RETRIES) { on.failed(err); break }
        on.retrying(err)
        await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** failures))
        if (paused) { on.paused(); break }
      }
    }
    running = false
    current = null
  }

  void run()
  return {
    pause () {
      paused = true
      current?.abort()
    },
    resume () {
      paused = false
      if (!running) void run()
    },
    /** Stops for good and deletes what the server holds, so it stops counting against the quota. */
    cancel () {
      paused = true
      current?.abort()
      if (url && offset < file.size) send('DELETE', url, auth()).done.catch(() => {})
    }
  }
}
