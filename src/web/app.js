// The demo page: pick a capability, fill in the form generated from its JSON Schema, create the
// task, then follow it live over SSE; the recent tasks follow the owner's event stream.

import { createApi, loadApiKey, newIdempotencyKey, openStream, saveApiKey } from './api.js'
import { el } from './dom.js'
import { buildForm } from './form.js'
import { humanMessage } from './messages.js'
import { metadataEditor, renderMetadata } from './metadata.js'

const TERMINAL = new Set(['succeeded', 'failed', 'canceled', 'timed_out'])
const STATUS_TEXT = {
  queued: 'Queued: waiting for the gateway',
  processing: 'Processing',
  succeeded: 'Succeeded',
  failed: 'Failed',
  canceled: 'Canceled',
  timed_out: 'Timed out'
}

const $ = (id) => document.getElementById(id)
const ui = {
  keyForm: $('key-form'),
  key: $('api-key'),
  keyToggle: $('key-toggle'),
  connection: $('connection'),
  capability: $('capability'),
  capabilityDescription: $('capability-description'),
  form: $('task-form'),
  fields: $('fields'),
  submit: $('submit'),
  fillExample: $('fill-example'),
  formError: $('form-error'),
  taskEmpty: $('task-empty'),
  taskView: $('task-view'),
  taskCapability: $('task-capability'),
  taskId: $('task-id'),
  progress: $('task-progress'),
  progressField: $('task-progress-field'),
  status: $('task-status'),
  taskError: $('task-error'),
  taskMetadata: $('task-metadata'),
  cancel: $('task-cancel'),
  outputs: $('outputs'),
  recent: $('recent'),
  recentStatus: $('recent-status'),
  refresh: $('refresh')
}

const api = createApi(() => ui.key.value.trim())
const metadata = metadataEditor($('metadata-editor'))
const state = {
  capabilities: [],
  capability: null,
  form: null,
  current: null,
  currentStream: null,
  ownerStream: null,
  recent: new Map(),
  /** While the recent list loads: the events that arrived meanwhile (see loadRecent). */
  arriving: null,
  // The last create that got no answer: retried with the same Idempotency-Key, so it cannot run twice.
  unanswered: null
}

function titleOf (name) {
  return state.capabilities.find((c) => c.name === name)?.summary ?? name
}

function formatError (err) {
  return `${err.code}: ${err.message}`
}

function showError (node, text, extra = []) {
  node.replaceChildren(el('p', {}, text), ...(extra.length ? [el('ul', {}, extra.map((t) => el('li', {}, t)))] : []))
  node.hidden = false
}

function hideError (node) {
  node.hidden = true
  node.replaceChildren()
}

function reveal (node, block) {
  node.scrollIntoView({ block, behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' })
}

/** "10–60 s", "1–3 min", "30 s–2 min" */
function durationRange (min, max) {
  const minutes = (n) => n >= 60 && (n % 60 === 0 || n >= 120)
  if (minutes(min)) return `${Math.round(min / 60)}–${Math.round(max / 60)} min`
  return minutes(max) ? `${min} s–${Math.round(max / 60)} min` : `${min}–${max} s`
}

// --- capabilities and the form -----------------------------------------------------------------

function selectCapability (name) {
  const capability = state.capabilities.find((c) => c.name === name) ?? state.capabilities[0]
  if (!capability) return
  state.capability = capability
  ui.capability.value = capability.name
  const { min, max } = capability.typicalSeconds
  ui.capabilityDescription.textContent = `${capability.description} Typically ${durationRange(min, max)}.`
  state.form?.dispose()
  state.form = buildForm(ui.fields, capability, () => ui.key.value.trim())
  state.form.fill(capability.example)
  hideError(ui.formError)
  history.replaceState(null, '', `#${capability.name}`)
}

async function loadCapabilities () {
  const { items } = await api.capabilities()
  state.capabilities = items
  const wanted = state.capability?.name ?? location.hash.slice(1)
  // Words first: a phone's select shows only the start of an option, and "image-to-…" says little.
  ui.capability.replaceChildren(...items.map((c) => el('option', { value: c.name }, `${c.summary} (${c.name})`)))
  ui.capability.disabled = false
  ui.submit.disabled = false
  ui.fillExample.disabled = false
  selectCapability(wanted)
}

async function submitTask (event) {
  event.preventDefault()
  const capability = state.capability
  if (!capability) return
  state.form.clearIssues()
  hideError(ui.formError)
  if (state.form.uploading()) return showError(ui.formError, 'A file is still uploading: wait until it has finished, then create the task.')
  const body = state.form.read()
  const labels = metadata.read()
  const fingerprint = JSON.stringify([capability.name, body, labels])
  const key = state.unanswered?.fingerprint === fingerprint ? state.unanswered.key : newIdempotencyKey()
  ui.submit.disabled = true
  ui.submit.textContent = 'Creating…'
  try {
    const task = await api.createTask(capability.name, body, key, labels)
    state.unanswered = null
    upsertRecent(task)
    showTask(task)
    // In one column the progress is below the form: bring it into view.
    if (matchMedia('(max-width: 899px)').matches) reveal($('current-heading'), 'start')
  } catch (err) {
    state.unanswered = err.status === 0 ? { fingerprint, key } : null
    const issues = err.issues ?? []
    const unplaced = state.form.showIssues(issues)
    // Each problem is said once: at its field, and only the ones no field can show up here.
    if (issues.length > 0 && unplaced.length === 0) showError(ui.formError, 'Please check the highlighted fields.')
    else if (issues.length > 0) showError(ui.formError, 'Please check these values:', unplaced.map((i) => `${String(i.path).replace(/^body\.?/, '') || 'request'}: ${humanMessage(i.message)}`))
    else showError(ui.formError, formatError(err))
    if (err.taskId) void api.getTask(err.taskId).then(showTask, () => {})
  } finally {
    ui.submit.disabled = false
    ui.submit.textContent = 'Create task'
  }
}

// --- the current task ----------------------------------------------------------------------------

function extensionOf (url) {
  try {
    return new URL(url, location.href).pathname.match(/\.(\w{2,4})$/)?.[1] ?? ''
  } catch {
    return ''
  }
}

function renderOutputs (task) {
  const signature = JSON.stringify(task.outputs)
  // Re-rendering on every event would restart playback; only a new set of outputs replaces them.
  if (ui.outputs.dataset.signature === signature && ui.outputs.dataset.task === task.id) return
  ui.outputs.dataset.signature = signature
  ui.outputs.dataset.task = task.id
  ui.outputs.replaceChildren(...task.outputs.map((output, i) => {
    const n = i + 1
    const what = `${output.type} ${n}`
    // Diagram source travels inline: shown as text for the user to copy and edit, never as markup.
    if (output.type === 'source') {
      const code = el('pre', { class: 'output-source-text' }, el('code', {}, output.text))
      return el('figure', { class: 'output output-source' }, [code, el('figcaption', {}, `Source (${output.format})`)])
    }
    // An SVG could carry script, so it is linked for viewing in its own tab, not drawn into this page.
    if (output.type === 'vector') {
      const link = el('a', { href: output.url, target: '_blank', rel: 'noopener' }, `Open the SVG (vector ${n})`)
      return el('figure', { class: 'output output-vector' }, el('figcaption', {}, link))
    }
    let media
    if (output.type === 'audio') media = el('audio', { controls: true, preload: 'metadata', src: output.url })
    else if (output.type === 'video') media = el('video', { controls: true, preload: 'metadata', playsinline: true, src: output.url })
    else media = el('img', { src: output.url, alt: `Generated ${what}`, loading: 'lazy' })
    const ext = extensionOf(output.url)
    const link = el('a', { href: output.url, download: '', target: '_blank', rel: 'noopener' }, `Download ${what}${ext ? ` (.${ext})` : ''}`)
    return el('figure', { class: `output output-${output.type}` }, [media, el('figcaption', {}, link)])
  }))
}

function renderTask (task) {
  // Two streams (the task's and the owner's) deliver the same changes; never step back in time.
  if (state.current?.id === task.id && task.updatedAt < state.current.updatedAt) return
  state.current = task
  ui.taskEmpty.hidden = true
  ui.taskView.hidden = false
  ui.taskCapability.textContent = titleOf(task.capability)
  ui.taskId.textContent = task.id
  ui.progress.value = task.progress
  ui.progress.textContent = `${task.progress} %`
  // A bar stuck part-way reads as "still running": an ended task without results shows none.
  ui.progressField.hidden = TERMINAL.has(task.status) && task.status !== 'succeeded'
  ui.taskView.dataset.status = task.status
  let text = STATUS_TEXT[task.status] ?? task.status
  if (task.status === 'processing') text += `: ${task.progress} %`
  if (task.status === 'succeeded') {
    const took = Math.max(0, Math.round((Date.parse(task.updatedAt) - Date.parse(task.createdAt)) / 1000))
    text += ` in ${took} s: ${task.outputs.length} ${task.outputs.length === 1 ? 'output' : 'outputs'}`
  }
  ui.status.textContent = text
  if (task.error) showError(ui.taskError, `${task.error.code}: ${task.error.message}`)
  else hideError(ui.taskError)
  renderMetadata(ui.taskMetadata, task)
  ui.cancel.hidden = TERMINAL.has(task.status)
  renderOutputs(task)
}

async function cancelCurrent () {
  const task = state.current
  if (!task || TERMINAL.has(task.status)) return
  ui.cancel.disabled = true
  ui.cancel.textContent = 'Canceling…'
  try {
    // The task.canceled event updates the view; the answer too, in case the stream is down.
    const canceled = await api.cancelTask(task.id)
    if (state.current?.id === canceled.id) renderTask(canceled)
  } catch (err) {
    // Finished meanwhile: its terminal event is on its way; anything else is worth saying.
    if (err.code !== 'BFF_ERR_TASK_FINISHED') showError(ui.taskError, `The task could not be canceled: ${formatError(err)}`)
  } finally {
    ui.cancel.disabled = false
    ui.cancel.textContent = 'Cancel task'
  }
}

function showTask (task) {
  state.currentStream?.close()
  state.currentStream = null
  state.current = null
  renderTask(task)
  markCurrentInRecent()
  if (TERMINAL.has(task.status)) return
  const stream = openStream(api, {
    path: `/v1/tasks/${encodeURIComponent(task.id)}/events`,
    taskId: task.id,
    onEvent: (_type, t) => {
      if (state.current?.id !== t.id) return
      renderTask(t)
      upsertRecent(t)
      // The server ends the stream after the terminal event; without close() EventSource would reconnect.
      if (TERMINAL.has(t.status)) stream.close()
    },
    // History since our last event is gone: take the task as it is now.
    onReset: () => { void api.getTask(task.id).then(renderTask, () => {}) },
    onState: (s, err) => {
      if (s === 'error' && state.current?.id === task.id) showError(ui.taskError, `Live updates failed: ${formatError(err)}`)
    }
  })
  state.currentStream = stream
}

// --- recent tasks --------------------------------------------------------------------------------

function summaryOf (task) {
  const text = task.input?.prompt ?? task.input?.text ?? ''
  return typeof text === 'string' ? text : ''
}

// Today's tasks by time alone; older ones with their date, so yesterday's 10:00 is not today's.
function whenOf (iso) {
  const at = new Date(iso)
  const time = at.toLocaleTimeString()
  return at.toDateString() === new Date().toDateString() ? time : `${at.toLocaleDateString()} ${time}`
}

function renderRecent () {
  const tasks = [...state.recent.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, 10)
  for (const id of state.recent.keys()) if (!tasks.some((t) => t.id === id)) state.recent.delete(id)
  // The list is rebuilt on every event: keep the keyboard focus on the same task.
  const focusedId = document.activeElement?.closest?.('#recent .task-item')?.dataset.id
  if (tasks.length === 0) {
    ui.recent.replaceChildren(el('li', { class: 'muted' }, 'No tasks yet.'))
    return
  }
  ui.recent.replaceChildren(...tasks.map((t) => {
    const status = t.status === 'processing' ? `processing ${t.progress} %` : t.status.replace('_', ' ')
    const button = el('button', { type: 'button', class: 'task-item', 'data-id': t.id }, [
      el('span', { class: 'task-line' }, [
        el('span', { class: 'task-cap' }, titleOf(t.capability)),
        el('span', { class: `badge badge-${t.status}` }, status)
      ]),
      el('span', { class: 'task-line muted' }, [
        el('span', { class: 'task-summary' }, summaryOf(t) || t.id),
        el('time', { datetime: t.createdAt }, whenOf(t.createdAt))
      ])
    ])
    button.addEventListener('click', () => {
      const task = state.recent.get(t.id) ?? t
      showTask(task)
      reveal(ui.taskView, 'nearest')
    })
    return el('li', {}, button)
  }))
  if (focusedId) ui.recent.querySelector(`.task-item[data-id="${CSS.escape(focusedId)}"]`)?.focus()
  markCurrentInRecent()
}

function markCurrentInRecent () {
  for (const button of ui.recent.querySelectorAll('button.task-item')) {
    if (button.dataset.id === state.current?.id) button.setAttribute('aria-current', 'true')
    else button.removeAttribute('aria-current')
  }
}

function upsertRecent (task) {
  state.arriving?.set(task.id, task)
  const known = state.recent.get(task.id)
  if (known && task.updatedAt < known.updatedAt) return
  state.recent.set(task.id, task)
  renderRecent()
}

async function loadRecent () {
  ui.recentStatus.textContent = 'Loading…'
  // Events that arrive while the list is on its way (a resumed stream replays at once) may be newer
  // than the list: they are kept, never overwritten by the older answer.
  const arriving = new Map()
  state.arriving = arriving
  try {
    const { items } = await api.listTasks(10)
    const fresh = new Map(items.map((t) => [t.id, t]))
    for (const [id, t] of arriving) {
      const listed = fresh.get(id)
      if (!listed || listed.updatedAt <= t.updatedAt) fresh.set(id, t)
    }
    state.recent = fresh
    renderRecent()
    ui.recentStatus.textContent = ''
  } catch (err) {
    ui.recentStatus.textContent = `Could not load the recent tasks: ${formatError(err)}`
  } finally {
    if (state.arriving === arriving) state.arriving = null
  }
}

function followOwner () {
  state.ownerStream?.close()
  let opened = false
  state.ownerStream = openStream(api, {
    path: '/v1/events',
    onEvent: (_type, t) => {
      upsertRecent(t)
      if (state.current?.id === t.id) renderTask(t)
    },
    onReset: () => {
      void loadRecent()
      if (state.current) void api.getTask(state.current.id).then(renderTask, () => {})
    },
    onState: (s, err) => {
      if (s === 'open') {
        // After a gap, the snapshot on connect only covers unfinished tasks: re-read the list.
        if (opened) void loadRecent()
        opened = true
        ui.recentStatus.textContent = ''
      } else if (s === 'reconnecting') {
        ui.recentStatus.textContent = 'Live updates interrupted; reconnecting…'
      } else if (s === 'error') {
        ui.recentStatus.textContent = `Live updates failed: ${formatError(err)}`
      }
    }
  })
}

// --- start-up ------------------------------------------------------------------------------------

async function connect () {
  state.ownerStream?.close()
  state.currentStream?.close()
  ui.connection.textContent = 'Connecting…'
  ui.connection.classList.remove('bad')
  try {
    await loadCapabilities()
    ui.connection.textContent = `Connected: ${state.capabilities.length} capabilities.`
  } catch (err) {
    ui.connection.textContent = `Not connected: ${formatError(err)}`
    ui.connection.classList.add('bad')
    ui.submit.disabled = true
    return
  }
  await loadRecent()
  followOwner()
  if (state.current && !TERMINAL.has(state.current.status)) showTask(state.current)
}

ui.key.value = loadApiKey()
// Another key is another owner: nothing of the previous one's tasks may stay on screen.
function clearView () {
  state.currentStream?.close()
  state.currentStream = null
  state.current = null
  state.recent = new Map()
  ui.taskView.hidden = true
  ui.taskEmpty.hidden = false
  ui.outputs.replaceChildren()
  hideError(ui.taskError)
  renderRecent()
}

ui.keyForm.addEventListener('submit', (event) => {
  event.preventDefault()
  const key = ui.key.value.trim()
  if (key !== loadApiKey()) clearView()
  saveApiKey(key)
  void connect()
})
ui.keyToggle.addEventListener('click', () => {
  const show = ui.key.type === 'password'
  ui.key.type = show ? 'text' : 'password'
  ui.keyToggle.textContent = show ? 'Hide' : 'Show'
})
ui.capability.addEventListener('change', () => selectCapability(ui.capability.value))
ui.fillExample.addEventListener('click', () => {
  state.form?.fill(state.capability?.example)
  state.form?.clearIssues()
})
ui.form.addEventListener('submit', submitTask)
ui.cancel.addEventListener('click', () => { void cancelCurrent() })
ui.refresh.addEventListener('click', () => { void loadRecent() })
void connect()
