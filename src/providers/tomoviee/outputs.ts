import type { CapabilityDefinition } from '../../tasks/capabilities/types.ts'
import type { FileOutput } from '../../tasks/model.ts'

/**
 * Reads the output URLs out of an upstream `result` object, using the keys the capability
 * declares. Returns null when a successful task carries nothing usable, so the caller can fail it
 * instead of telling the client "succeeded" with no file.
 */
export function readOutputs (def: Pick<CapabilityDefinition, 'outputs'>, result: Record<string, unknown> | null | undefined): FileOutput[] | null {
  if (!result) return null
  const outputs: FileOutput[] = []
  for (const { key, type, aliases = [] } of def.outputs) {
    const value = [key, ...aliases].map((k) => result[k]).find((v) => v !== undefined)
    const urls = Array.isArray(value) ? value : typeof value === 'string' ? [value] : []
    for (const url of urls) {
      if (typeof url === 'string' && /^https?:\/\//i.test(url)) outputs.push({ type, url })
    }
  }
  return outputs.length ? outputs : null
}
