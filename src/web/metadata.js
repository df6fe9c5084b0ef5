// The optional metadata of a create: key/value rows the user adds and removes, and the labels shown
// on a task. Metadata is the app's own (an order id, a user id); the BFF never sends it upstream.

import { el } from './dom.js'

/** The editor inside `container`; read() is undefined when no row has a key, so a plain create stays plain. */
export function metadataEditor (container) {
  const rows = el('div', { class: 'metadata-rows' })
  const add = el('button', { type: 'button', class: 'secondary small', id: 'metadata-add' }, 'Add a label')
  let n = 0
  function addRow (key = '', value = '') {
    n++
    const keyInput = el('input', { type: 'text', class: 'metadata-key', 'aria-label': `Label ${n} name`, maxlength: 40, spellcheck: 'false' })
    const valueInput = el('input', { type: 'text', class: 'metadata-value', 'aria-label': `Label ${n} value`, maxlength: 500, spellcheck: 'false' })
    keyInput.value = key
    valueInput.value = value
    const remove = el('button', { type: 'button', class: 'secondary small', 'aria-label': `Remove label ${n}` }, 'Remove')
    const row = el('div', { class: 'metadata-row input-row' }, [keyInput, valueInput, remove])
    remove.addEventListener('click', () => { row.remove(); add.focus() })
    rows.append(row)
    keyInput.focus()
  }
  add.addEventListener('click', () => addRow())
  container.replaceChildren(rows, add)
  return {
    read () {
      const entries = [...rows.querySelectorAll('.metadata-row')]
        .map((row) => [row.querySelector('.metadata-key').value.trim(), row.querySelector('.metadata-value').value])
        .filter(([key]) => key !== '')
      return entries.length === 0 ? undefined : Object.fromEntries(entries)
    }
  }
}

/** The task's labels as a definition list; nothing when it has none. */
export function renderMetadata (node, task) {
  const entries = Object.entries(task.metadata ?? {})
  node.hidden = entries.length === 0
  node.replaceChildren(...entries.flatMap(([key, value]) => [el('dt', {}, key), el('dd', {}, value)]))
}
