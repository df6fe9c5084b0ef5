// The capabilities and the task form: the form generated from the chosen capability's JSON Schema,
// and the create, sent again with the same Idempotency-Key after a create that got no answer.

import { newIdempotencyKey } from './api.js'
import { el } from './dom.js'
import { buildForm } from './form.js'
import { humanMessage } from './messages.js'
import { metadataEditor } from './metadata.js'
import { formatError, hideError, reveal, showError, ui } from './ui.js'

/** "10–60 s", "1–3 min", "30 s–2 min" */
function durationRange (min, max) {
  const minutes = (n) => n >= 60 && (n % 60 === 0 || n >= 120)
  if (minutes(min)) return `${Math.round(min / 60)}–${Math.round(max / 60)} min`
  return minutes(max) ? `${min} s–${Math.round(max / 60)} min` : `${min}–${max} s`
}

/** `onCreated` gets each task created; `onShow` a task recorded by a create that still failed. */
export function createTaskForm ({ api, getKey, onCreated, onShow }) {
  const metadata = metadataEditor(ui.metadataEditor)
  let capabilities = []
  let capability = null
  let form = null
  // The last create that got no answer: retried with the same Idempotency-Key, so it cannot run twice.
  let unanswered = null

  function titleOf (name) {
    return capabilities.find((c) => c.name === name)?.summary ?? name
  }

  function select (name) {
    const chosen = capabilities.find((c) => c.name === name) ?? capabilities[0]
    if (!chosen) return
    capability = chosen
    ui.capability.value = chosen.name
    const { min, max } = chosen.typicalSeconds
    ui.capabilityDescription.textContent = `${chosen.description} Typically ${durationRange(min, max)}.`
    form?.dispose()
    form = buildForm(ui.fields, chosen, getKey)
    form.fill(chosen.example)
    hideError(ui.formError)
    history.replaceState(null, '', `#${chosen.name}`)
  }

  async function load () {
    const { items } = await api.capabilities()
    capabilities = items
    const wanted = capability?.name ?? location.hash.slice(1)
    // Words first: a phone's select shows only the start of an option, and "image-to-…" says little.
    ui.capability.replaceChildren(...items.map((c) => el('option', { value: c.name }, `${c.summary} (${c.name})`)))
    ui.capability.disabled = false
    ui.submit.disabled = false
    ui.fillExample.disabled = false
    select(wanted)
  }

  async function submit (event) {
    event.preventDefault()
    const chosen = capability
    if (!chosen) return
    form.clearIssues()
    hideError(ui.formError)
    if (form.uploading()) return showError(ui.formError, 'A file is still uploading: wait until it has finished, then create the task.')
    const body = form.read()
    const labels = metadata.read()
    const fingerprint = JSON.stringify([chosen.name, body, labels])
    const key = unanswered?.fingerprint === fingerprint ? unanswered.key : newIdempotencyKey()
    ui.submit.disabled = true
    ui.submit.textContent = 'Creating…'
    try {
      const task = await api.createTask(chosen.name, body, key, labels)
      unanswered = null
      onCreated(task)
      // In one column the progress is below the form: bring it into view.
      if (matchMedia('(max-width: 899px)').matches) reveal(ui.currentHeading, 'start')
    } catch (err) {
      unanswered = err.status === 0 ? { fingerprint, key } : null
      const issues = err.issues ?? []
      const unplaced = form.showIssues(issues)
      // Each problem is said once: at its field, and only the ones no field can show up here.
      if (issues.length > 0 && unplaced.length === 0) showError(ui.formError, 'Please check the highlighted fields.')
      else if (issues.length > 0) showError(ui.formError, 'Please check these values:', unplaced.map((i) => `${String(i.path).replace(/^body\.?/, '') || 'request'}: ${humanMessage(i.message)}`))
      else showError(ui.formError, formatError(err))
      if (err.taskId) void api.getTask(err.taskId).then(onShow, () => {})
    } finally {
      ui.submit.disabled = false
      ui.submit.textContent = 'Create task'
    }
  }

  function fillExample () {
    form?.fill(capability?.example)
    form?.clearIssues()
  }

  return { load, select, submit, fillExample, titleOf, count: () => capabilities.length }
}
