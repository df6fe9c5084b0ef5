type Components = { schemas?: Record<string, unknown> }

/**
 * Drops component schemas nothing refers to: the zod registry yields an input and an output
 * variant of every component, and only the used ones belong in the document.
 */
export function pruneUnusedSchemas<T> (doc: T): T {
  const components = (doc as { components?: Components }).components
  const schemas = components?.schemas
  if (!schemas) return doc
  const used = new Set<string>()
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) { node.forEach(visit); return }
    if (node === null || typeof node !== 'object') return
    for (const [key, value] of Object.entries(node)) {
      const name = key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/') ? value.replace('#/components/schemas/', '') : undefined
      if (name !== undefined && !used.has(name)) { used.add(name); visit(schemas[name]) }
      visit(value)
    }
  }
  visit({ ...doc, components: { ...components, schemas: {} } })
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)))
  return { ...doc, components: { ...components, schemas: kept } }
}
