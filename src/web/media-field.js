// A media field's upload control: a file picker (a phone's gallery or camera) and a drop zone,
// progress with pause and resume, and the finished upload's "upload:<id>" put into the field so
// the task is created with it. The server checks every file; the page only explains its answers.

import { el } from './dom.js'
import { startUpload } from './upload.js'

const ACCEPT = {
  video: 'video/mp4,video/quicktime,video/webm,video/x-matroska,.mp4,.m4v,.mov,.webm,.mkv',
  image: 'image/png,image/jpeg,image/webp,.png,.jpg,.jpeg,.webp'
}
const FORMATS = { video: 'an MP4, MOV, WebM or MKV file', image: 'a PNG, JPEG or WebP file' }

function size (bytes) {
  if (bytes < 1000 * 1000) return `${Math.max(1, Math.round(bytes / 1000))} KB`
  return `${(bytes / 1000 / 1000).toFixed(1)} MB`
}

const percent = (sent, total) => (total ? Math.floor((sent / total) * 100) : 100)

/** What went wrong, said to the person who picked the file. */
function explain (err, kind) {
  if (err.code === 'BFF_ERR_UPLOAD_TYPE') return `This file is not a supported ${kind}. Choose ${FORMATS[kind]}.`
  if (err.code === 'BFF_ERR_UPLOAD_QUOTA') return `${err.message}.`.replace(/\.\.$/, '.')
  if (err.status === 413) return 'This file is too large to upload.'
  if (err.status === 401) return 'The API key was refused: connect with a valid key, then try again.'
  if (err.status === 404) return 'The upload is no longer on the server (it expired or was deleted). Choose the file again.'
  if (err.status === 429) return 'Too many requests for now. Wait a moment, then resume.'
  if (err.status === 0) return 'The connection dropped. Resume when you are back online.'
  return `The upload failed: ${err.message}`
}

/**
 * Adds the upload control to the field `wrapper` whose text `input` takes a URL or an upload
 * reference of `kind` ('video' | 'image'). Returns { busy, dispose }.
 */
export function attachUpload (wrapper, input, kind, getKey) {
  const picker = el('input', { type: 'file', id: `${input.id}-file`, class: 'visually-hidden', accept: ACCEPT[kind], tabindex: '-1', 'aria-hidden': 'true' })
  const choose = el('button', { type: 'button', class: 'secondary small' }, `Upload a ${kind}…`)
  const bar = el('progress', { max: '100', value: '0', 'aria-label': `Upload progress of the ${kind}` })
  const status = el('p', { class: 'upload-status', role: 'status', 'aria-live': 'polite' })
  const toggle = el('button', { type: 'button', class: 'secondary small upload-toggle', hidden: true }, 'Pause')
  const box = el('div', { class: 'upload', hidden: true }, [bar, el('div', { class: 'upload-line' }, [status, toggle])])
  const row = el('div', { class: 'upload-row' }, [picker, choose, el('span', { class: 'drop-hint muted' }, 'or drop a file on this field')])
  wrapper.classList.add('media-field')
  input.after(row, box)

  let upload = null
  let state = 'idle' // idle | uploading | paused | failed | done

  function show (next, text, { bad = false, button = null } = {}) {
    state = next
    box.hidden = false
    status.textContent = text
    status.classList.toggle('bad', bad)
    // A file refused before any byte was sent has no progress to show.
    bar.hidden = next === 'failed' && bar.value === 0
    toggle.hidden = button === null
    if (button) toggle.textContent = button
    wrapper.dataset.upload = next
  }

  function begin (file) {
    // Another file, or a form filled anew: the unfinished one is abandoned.
    if (state === 'uploading' || state === 'paused' || state === 'failed') upload?.cancel()
    upload = null
    input.readOnly = false
    if (!file) return
    const name = file.name || `the ${kind}`
    bar.value = 0
    // The server sniffs the bytes either way; a file that says it is something else need not travel first.
    if (file.type && !file.type.startsWith(`${kind}/`)) return show('failed', `This file is not a supported ${kind}. Choose ${FORMATS[kind]}.`, { bad: true })
    if (file.size === 0) return show('failed', 'This file is empty.', { bad: true })
    input.value = ''
    input.readOnly = true
    show('uploading', `Uploading ${name}…`, { button: 'Pause' })
    const mine = startUpload(file, getKey, {
      progress (sent, total) {
        if (upload !== mine || state !== 'uploading') return
        bar.value = percent(sent, total)
        status.textContent = `Uploading ${name}: ${size(sent)} of ${size(total)} (${percent(sent, total)} %)`
      },
      paused () {
        if (upload === mine) show('paused', `Paused at ${bar.value} % (${name})`, { button: 'Resume' })
      },
      retrying () {
        if (upload === mine) status.textContent = `The connection dropped; trying again (${name})…`
      },
      done (reference) {
        if (upload !== mine) return
        bar.value = 100
        input.readOnly = false
        input.value = reference
        show('done', `Uploaded ${name} (${size(file.size)}). The task will use it.`)
      },
      failed (err) {
        if (upload !== mine) return
        input.readOnly = false
        // A refusal of the file itself cannot be resumed; a lost connection or a limit hit can.
        const retry = err.code !== 'BFF_ERR_UPLOAD_TYPE' && err.status !== 413 && err.status !== 404
        // Over for good: the server has dropped a refused upload already; stop the local one too.
        if (!retry) mine.cancel()
        show('failed', explain(err, kind), { bad: true, button: retry ? 'Resume' : null })
      }
    })
    upload = mine
  }

  choose.addEventListener('click', () => picker.click())
  picker.addEventListener('change', () => {
    begin(picker.files?.[0])
    // The same file picked again must fire `change` again.
    picker.value = ''
  })
  toggle.addEventListener('click', () => {
    if (!upload) return
    if (state === 'uploading') {
      upload.pause()
      show('paused', `Pausing at ${bar.value} %…`, { button: 'Resume' })
    } else {
      show('uploading', 'Resuming…', { button: 'Pause' })
      upload.resume()
    }
  })
  wrapper.addEventListener('dragover', (e) => {
    if (!e.dataTransfer?.types.includes('Files')) return
    e.preventDefault()
    wrapper.classList.add('dragging')
  })
  wrapper.addEventListener('dragleave', (e) => { if (!wrapper.contains(e.relatedTarget)) wrapper.classList.remove('dragging') })
  wrapper.addEventListener('drop', (e) => {
    if (!e.dataTransfer?.files.length) return
    e.preventDefault()
    wrapper.classList.remove('dragging')
    begin(e.dataTransfer.files[0])
  })

  return {
    /** True while a file is on its way (or paused): the field does not hold its reference yet. */
    busy: () => state === 'uploading' || state === 'paused',
    /** Stops any upload and hides the control, e.g. when the form is filled anew. */
    dispose () {
      begin(null)
      state = 'idle'
      box.hidden = true
      delete wrapper.dataset.upload
    }
  }
}
