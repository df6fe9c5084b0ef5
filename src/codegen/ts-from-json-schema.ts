/**
 * A small JSON Schema -> TypeScript printer for the shapes our zod schemas produce (objects,
 * enums, unions, arrays, records, $refs). It exists so the client package's types are generated
 * from the server's schemas instead of written twice.
 */
export type JsonSchema = Record<string, unknown>

export interface PrintContext {
  /** Maps a `$ref` target (e.g. "#/$defs/Task") to the TypeScript name to print. */
  refName: (ref: string) => string
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

function key (name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name)
}

/** The doc comment of a property: its description and, when it has one, its default. */
function docComment (schema: JsonSchema, indent: string): string {
  const parts: string[] = []
  if (typeof schema.description === 'string') parts.push(schema.description)
  if (schema.default !== undefined) parts.push(`(default: ${JSON.stringify(schema.default)})`)
  if (!parts.length) return ''
  const body = parts.join(' ').replaceAll('*/', '*\\/')
  return `${indent}/** ${body} */\n`
}

function union (parts: string[]): string {
  const unique = [...new Set(parts)]
  return unique.length ? unique.join(' | ') : 'never'
}

export function printType (schema: JsonSchema, ctx: PrintContext, indent = ''): string {
  if (typeof schema.$ref === 'string') return ctx.refName(schema.$ref)
  if (schema.const !== undefined) return JSON.stringify(schema.const)
  if (Array.isArray(schema.enum)) return union(schema.enum.map((v) => JSON.stringify(v)))
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined
  if (Array.isArray(variants)) return union(variants.map((v) => printType(v, ctx, indent)))
  if (Array.isArray(schema.type)) {
    return union(schema.type.map((t) => printType({ ...schema, type: t }, ctx, indent)))
  }
  switch (schema.type) {
    case 'string': return 'string'
    case 'integer':
    case 'number': return 'number'
    case 'boolean': return 'boolean'
    case 'null': return 'null'
    case 'array': {
      const items = printType((schema.items ?? {}) as JsonSchema, ctx, indent)
      return /[|&\s]/.test(items) ? `Array<${items}>` : `${items}[]`
    }
    case 'object': return printObject(schema, ctx, indent)
    default: return 'unknown'
  }
}

function printObject (schema: JsonSchema, ctx: PrintContext, indent: string): string {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>
  const required = new Set((schema.required ?? []) as string[])
  const extra = schema.additionalProperties
  const names = Object.keys(properties)
  if (!names.length) {
    const value = extra === false ? 'never' : printType((typeof extra === 'object' ? extra : {}) as JsonSchema, ctx, indent)
    return `Record<string, ${value}>`
  }
  const inner = `${indent}  `
  const members = names.map((name) => {
    const prop = properties[name]!
    const optional = required.has(name) ? '' : '?'
    return `${docComment(prop, inner)}${inner}${key(name)}${optional}: ${printType(prop, ctx, inner)}`
  })
  return `{\n${members.join('\n')}\n${indent}}`
}
