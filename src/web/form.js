// Builds a form from a capability's JSON Schema (GET /v1/capabilities), reads it back into a
// request body, and shows the BFF's validation issues next to the fields they name. The server
// stays the one validator: the form only offers the limits as input hints.

import { el } from './dom.js'
import { attachUpload } from './media-field.js'
import { humanMessage } from './messages.js'

// Free-text fields that deserve room to write.
const LONG_TEXT = new Set(['prompt', 'text'])

/** "videoUrl" -> "Video URL", "disableTranslate" -> "Disable translate". */
export function labelFor (name) {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()
  return (words.charAt(0).toUpperCase() + words.slice(1)).replace(/\burl\b/g, 'URL').replace(/\bid\b/g, 'ID')
}

function kindOf (prop, name, media) {
  if (media) return 'media'
  if (Array.isArray(prop.enum)) return 'enum'
  if (prop.type === 'boolean') return 'boolean'
  if (prop.type === 'integer' || prop.type === 'number') return 'number'
  if (prop.format === 'uri') return 'url'
  return LONG_TEXT.has(name) || (prop.maxLength ?? 0) > 300 ? 'textarea' : 'text'
}

/** The description, then the limits as a sentence: "… Range 5–95, default 20." */
function hintText (prop) {
  const parts = []
  if (prop.minimum !== undefined && prop.maximum !== undefined) parts.push(`range ${prop.minimum}–${prop.maximum}`)
  else if (prop.minimum !== undefined) parts.push(`at least ${prop.minimum}`)
  else if (prop.maximum !== undefined) parts.push(`at most ${prop.maximum}`)
  if (prop.maxLength !== undefined && prop.format !== 'uri') parts.push(`up to ${prop.maxLength} characters`)
  if (prop.default !== undefined) parts.push(`default ${prop.default}`)
  const limits = parts.join(', ')
  const sentences = [prop.description?.replace(/\.$/, ''), limits && limits.charAt(0).toUpperCase() + limits.slice(1)].filter(Boolean)
  return sentences.length ? `${sentences.join('. ')}.` : ''
}

/**
 * Renders the fields of `capability` into `container`; media fields also take a local file, uploaded
 * with the key `getKey()` gives. Returns { fill, read, showIssues, clearIssues, uploading, dispose }.
 */
export function buildForm (container, capability, getKey) {
  const schema = capability.inputSchema ?? {}
  const props = schema.properties ?? {}
  const required = new Set(schema.required ?? [])
  const media = capability.media ?? {}
  const fields = new Map()
  const uploads = []
  container.replaceChildren()

  for (const [name, field] of Object.entries(props)) {
    const id = `f-${capability.name}-${name}`
    // A list (Media.io's imageUrls) is edited as one item per line and described by its items.
    const list = field.type === 'array'
    const prop = list ? { ...(field.items ?? {}), description: field.description } : field
    const kind = kindOf(prop, name, media[name])
    const isRequired = required.has(name)
    const hintId = `${id}-hint`
    const errorId = `${id}-error`
    let input

    if (kind === 'enum') {
      input = el('select', { id, name })
      // Optional without a default: let the gateway decide, as the schema allows.
      if (!isRequired && prop.default === undefined) input.append(el('option', { value: '' }, '(automatic)'))
      for (const value of prop.enum) input.append(el('option', { value: String(value) }, String(value)))
    } else if (kind === 'boolean') {
      input = el('input', { id, name, type: 'checkbox' })
    } else if (kind === 'textarea' || list) {
      input = el('textarea', { id, name, rows: 3, ...(list ? { spellcheck: 'false', placeholder: 'One per line' } : {}) })
    } else if (kind === 'number') {
      input = el('input', { id, name, type: 'number', inputmode: prop.type === 'integer' ? 'numeric' : 'decimal', step: prop.type === 'integer' ? '1' : 'any' })
      if (prop.minimum !== undefined) input.min = String(prop.minimum)
      if (prop.maximum !== undefined) input.max = String(prop.maximum)
    } else {
      // A media field holds "upload:<id>" too, which type=url would refuse.
      input = el('input', { id, name, type: kind === 'url' ? 'url' : 'text', autocomplete: 'off', spellcheck: 'false' })
      if (kind === 'url' || kind === 'media') input.setAttribute('inputmode', 'url')
    }
    if (kind !== 'boolean' && kind !== 'enum' && !list) {
      if (prop.maxLength !== undefined) input.maxLength = prop.maxLength
      if (prop.default !== undefined) input.placeholder = `${prop.default} (default)`
      else if (kind === 'url') input.placeholder = 'https://…'
      else if (kind === 'media') input.placeholder = `https://… or upload a ${media[name]}`
    }
    if (isRequired) input.required = true
    input.setAttribute('aria-describedby', `${hintId} ${errorId}`)

    const label = el('label', { for: id }, labelFor(name))
    if (isRequired) label.append(' ', el('span', { class: 'req', 'aria-hidden': 'true' }, '*'))
    const hint = el('p', { id: hintId, class: 'hint' }, hintText(prop))
    const error = el('p', { id: errorId, class: 'field-error' })

    const wrapper = kind === 'boolean'
      ? el('div', { class: 'field checkbox' }, [el('div', { class: 'check-row' }, [input, label]), hint, error])
      : el('div', { class: 'field' }, [label, input, hint, error])
    container.append(wrapper)
    if (kind === 'media') uploads.push(attachUpload(wrapper, input, media[name], getKey))
    fields.set(name, { input, kind, prop, list, error, wrapper })
  }

  /** Sets every field from `values` (the example), and the rest to their defaults or empty. */
  function fill (values = {}) {
    for (const upload of uploads) upload.dispose()
    for (const [name, { input, kind, prop }] of fields) {
      const value = values[name]
      if (Array.isArray(value)) input.value = value.join('\n')
      else if (kind === 'boolean') input.checked = value === true
      else if (kind === 'enum') input.value = String(value ?? prop.default ?? '')
      else input.value = value === undefined ? '' : String(value)
    }
  }

  /** The request body: empty optional fields are left out so the server applies its defaults. */
  function read () {
    const body = {}
    for (const [name, { input, kind, list }] of fields) {
      if (list) {
        const items = input.value.split(/\s+/).filter(Boolean)
        if (items.length) body[name] = items
        continue
      }
      if (kind === 'boolean') {
        if (input.checked) body[name] = true
        continue
      }
      const raw = input.value
      if (raw.trim() === '') continue
      // A number the server cannot parse is sent as typed, so its message explains the problem.
      body[name] = kind === 'number' && Number.isFinite(Number(raw)) ? Number(raw) : raw
    }
    return body
  }

  function clearIssues () {
    for (const { input, error, wrapper } of fields.values()) {
      error.textContent = ''
      input.removeAttribute('aria-invalid')
      wrapper.classList.remove('invalid')
    }
  }

  /** Puts each issue next to its field; returns the issues that name no field. */
  function showIssues (issues) {
    clearIssues()
    const unplaced = []
    let first = null
    for (const issue of issues) {
      // Paths look like "body.prompt" (or "body" for the object itself).
      const name = String(issue.path ?? '').replace(/^body\.?/, '').split('.')[0]
      const field = name ? fields.get(name) : undefined
      if (!field) { unplaced.push(issue); continue }
      const message = humanMessage(issue.message)
      field.error.textContent = field.error.textContent ? `${field.error.textContent} ${message}` : message
      field.input.setAttribute('aria-invalid', 'true')
      field.wrapper.classList.add('invalid')
      first ??= field.input
    }
    first?.focus()
    return unplaced
  }

  return {
    fill,
    read,
    showIssues,
    clearIssues,
    /** True while a picked file has not finished uploading. */
    uploading: () => uploads.some((u) => u.busy()),
    dispose: () => { for (const upload of uploads) upload.dispose() }
  }
}
