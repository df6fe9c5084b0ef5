// The demo page: pick a capability, fill in the form generated from its JSON Schema, create the
// task, then follow it live over SSE; the recent tasks follow the owner's event stream. This
// module wires the parts together and connects with the key given.

import { createApi, loadApiKey, saveApiKey } from './api.js'
import { createOwnerFeed } from './live.js'
import { createRecentList } from './recent-list.js'
import { createTaskForm } from './task-form.js'
import { createTaskView } from './task-view.js'
import { formatError, ui } from './ui.js'

const getKey = () => ui.key.value.trim()
const api = createApi(getKey)
const titleOf = (name) => taskForm.titleOf(name)

const view = createTaskView({ api, titleOf, onUpdate: (t) => recent.upsert(t), onShown: () => recent.markCurrent() })
const recent = createRecentList({ api, titleOf, currentId: () => view.current()?.id, onSelect: (t) => view.show(t) })
const taskForm = createTaskForm({
  api,
  getKey,
  onCreated: (task) => {
    recent.upsert(task)
    view.show(task)
  },
  onShow: (task) => view.show(task)
})
const owner = createOwnerFeed({ api, recent, view })

async function connect () {
  owner.close()
  view.closeStream()
  ui.connection.textContent = 'Connecting…'
  ui.connection.classList.remove('bad')
  try {
    await taskForm.load()
    ui.connection.textContent = `Connected: ${taskForm.count()} capabilities.`
  } catch (err) {
    ui.connection.textContent = `Not connected: ${formatError(err)}`
    ui.connection.classList.add('bad')
    ui.submit.disabled = true
    return
  }
  await recent.load()
  owner.follow()
  view.resume()
}

ui.key.value = loadApiKey()

ui.keyForm.addEventListener('submit', (event) => {
  event.preventDefault()
  const key = getKey()
  // Another key is another owner: nothing of the previous one's tasks may stay on screen.
  if (key !== loadApiKey()) {
    view.clear()
    recent.clear()
  }
  saveApiKey(key)
  void connect()
})
ui.keyToggle.addEventListener('click', () => {
  const show = ui.key.type === 'password'
  ui.key.type = show ? 'text' : 'password'
  ui.keyToggle.textContent = show ? 'Hide' : 'Show'
})
ui.capability.addEventListener('change', () => taskForm.select(ui.capability.value))
ui.fillExample.addEventListener('click', () => taskForm.fillExample())
ui.form.addEventListener('submit', (event) => { void taskForm.submit(event) })
ui.cancel.addEventListener('click', () => { void view.cancel() })
ui.refresh.addEventListener('click', () => { void recent.load() })
void connect()
