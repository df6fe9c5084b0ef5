// The owner's recent tasks: loaded as a list, then kept up to date by events; a click shows a task.

import { el } from './dom.js'
import { formatError, reveal, ui } from './ui.js'

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

/** `currentId` is the id of the task on view; `onSelect` shows a task clicked in the list. */
export function createRecentList ({ api, titleOf, currentId, onSelect }) {
  let recent = new Map()
  /** While the list loads: the events that arrived meanwhile (see load). */
  let arriving = null

  function markCurrent () {
    for (const button of ui.recent.querySelectorAll('button.task-item')) {
      if (button.dataset.id === currentId()) button.setAttribute('aria-current', 'true')
      else button.removeAttribute('aria-current')
    }
  }

  function item (t) {
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
      onSelect(recent.get(t.id) ?? t)
      reveal(ui.taskView, 'nearest')
    })
    return el('li', {}, button)
  }

  function render () {
    const tasks = [...recent.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, 10)
    for (const id of recent.keys()) if (!tasks.some((t) => t.id === id)) recent.delete(id)
    // The list is rebuilt on every event: keep the keyboard focus on the same task.
    const focusedId = document.activeElement?.closest?.('#recent .task-item')?.dataset.id
    if (tasks.length === 0) {
      ui.recent.replaceChildren(el('li', { class: 'muted' }, 'No tasks yet.'))
      return
    }
    ui.recent.replaceChildren(...tasks.map(item))
    if (focusedId) ui.recent.querySelector(`.task-item[data-id="${CSS.escape(focusedId)}"]`)?.focus()
    markCurrent()
  }

  function upsert (task) {
    arriving?.set(task.id, task)
    const known = recent.get(task.id)
    if (known && task.updatedAt < known.updatedAt) return
    recent.set(task.id, task)
    render()
  }

  async function load () {
    ui.recentStatus.textContent = 'Loading…'
    // Events that arrive while the list is on its way (a resumed stream replays at once) may be newer
    // than the list: they are kept, never overwritten by the older answer. Only the read started
    // last collects them (a reconnect starts two, on open and on reset), so an earlier read's late
    // answer is dropped.
    const mine = new Map()
    arriving = mine
    try {
      const { items } = await api.listTasks(10)
      if (arriving !== mine) return
      const fresh = new Map(items.map((t) => [t.id, t]))
      for (const [id, t] of mine) {
        const listed = fresh.get(id)
        if (!listed || listed.updatedAt <= t.updatedAt) fresh.set(id, t)
      }
      recent = fresh
      render()
      ui.recentStatus.textContent = ''
    } catch (err) {
      ui.recentStatus.textContent = `Could not load the recent tasks: ${formatError(err)}`
    } finally {
      if (arriving === mine) arriving = null
    }
  }

  function clear () {
    recent = new Map()
    render()
  }

  return { upsert, load, markCurrent, clear }
}
