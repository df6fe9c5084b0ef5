// A task's outputs: media players, images, download links, and diagram source as text.

import { el } from './dom.js'

function extensionOf (url) {
  try {
    return new URL(url, location.href).pathname.match(/\.(\w{2,4})$/)?.[1] ?? ''
  } catch {
    return ''
  }
}

function outputNode (output, i) {
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
}

export function renderOutputs (node, task) {
  const signature = JSON.stringify(task.outputs)
  // Re-rendering on every event would restart playback; only a new set of outputs replaces them.
  if (node.dataset.signature === signature && node.dataset.task === task.id) return
  node.dataset.signature = signature
  node.dataset.task = task.id
  node.replaceChildren(...task.outputs.map(outputNode))
}
