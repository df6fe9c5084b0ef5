// A tiny element builder: the page builds every node with it, never with innerHTML, so text from
// the API (prompts, error messages, URLs) can never become markup.

/** el('a', { href, class: 'x' }, ['text', childNode]) */
export function el (tag, attrs = {}, children = []) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue
    node.setAttribute(name, value === true ? '' : String(value))
  }
  node.append(...(Array.isArray(children) ? children : [children]))
  return node
}
