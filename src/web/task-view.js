// The task on view: status, progress, error, labels and outputs, followed live on its own stream.

import { openStream } from './api.js'
import { renderMetadata } from './metadata.js'
import { renderOutputs } from './outputs.js'
import { STATUS_TEXT } from './status-text.js'
import { TERMINAL } from './statuses.js'
import { formatError, hideError, showError, ui } from './ui.js'

/** `onUpdate` hears of each newer state its stream brings; `onShown` of each task put on view. */
export function createTaskView ({ api, titleOf, onUpdate, onShown }) {
  let current = null
  let stream = null

  function render (task) {
    // Two streams (the task's and the owner's) deliver the same changes; never step back in time.
    if (current?.id === task.id && task.updatedAt < current.updatedAt) return
    current = task
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
    renderOutputs(ui.outputs, task)
  }

  async function cancel () {
    const task = current
    if (!task || TERMINAL.has(task.status)) return
    ui.cancel.disabled = true
    ui.cancel.textContent = 'Canceling…'
    try {
      // The task.canceled event updates the view; the answer too, in case the stream is down.
      const canceled = await api.cancelTask(task.id)
      if (current?.id === canceled.id) render(canceled)
    } catch (err) {
      // Finished meanwhile: its terminal event is on its way; anything else is worth saying.
      if (err.code !== 'BFF_ERR_TASK_FINISHED') showError(ui.taskError, `The task could not be canceled: ${formatError(err)}`)
    } finally {
      ui.cancel.disabled = false
      ui.cancel.textContent = 'Cancel task'
    }
  }

  function show (task) {
    stream?.close()
    stream = null
    current = null
    render(task)
    onShown()
    if (TERMINAL.has(task.status)) return
    const opened = openStream(api, {
      path: `/v1/tasks/${encodeURIComponent(task.id)}/events`,
      taskId: task.id,
      onEvent: (_type, t) => {
        if (current?.id !== t.id) return
        render(t)
        onUpdate(t)
        // The server ends the stream after the terminal event; without close() EventSource would reconnect.
        if (TERMINAL.has(t.status)) opened.close()
      },
      // History since our last event is gone: take the task as it is now.
      onReset: () => { void api.getTask(task.id).then(render, () => {}) },
      onState: (s, err) => {
        if (s === 'error' && current?.id === task.id) showError(ui.taskError, `Live updates failed: ${formatError(err)}`)
      }
    })
    stream = opened
  }

  /** Shows the task again, on a new stream, unless it has ended (after a reconnect). */
  function resume () {
    if (current && !TERMINAL.has(current.status)) show(current)
  }

  function clear () {
    stream?.close()
    stream = null
    current = null
    ui.taskView.hidden = true
    ui.taskEmpty.hidden = false
    ui.outputs.replaceChildren()
    hideError(ui.taskError)
  }

  return { show, render, cancel, resume, clear, closeStream: () => stream?.close(), current: () => current }
}
