// The page's elements, and how every part of it shows a problem or brings itself into view.

import { el } from './dom.js'

const $ = (id) => document.getElementById(id)

export const ui = {
  keyForm: $('key-form'),
  key: $('api-key'),
  keyToggle: $('key-toggle'),
  connection: $('connection'),
  capability: $('capability'),
  capabilityDescription: $('capability-description'),
  form: $('task-form'),
  fields: $('fields'),
  metadataEditor: $('metadata-editor'),
  submit: $('submit'),
  fillExample: $('fill-example'),
  formError: $('form-error'),
  currentHeading: $('current-heading'),
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

export function formatError (err) {
  return `${err.code}: ${err.message}`
}

export function showError (node, text, extra = []) {
  node.replaceChildren(el('p', {}, text), ...(extra.length ? [el('ul', {}, extra.map((t) => el('li', {}, t)))] : []))
  node.hidden = false
}

export function hideError (node) {
  node.hidden = true
  node.replaceChildren()
}

export function reveal (node, block) {
  node.scrollIntoView({ block, behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' })
}
