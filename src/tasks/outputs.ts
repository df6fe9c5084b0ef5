import { checkMediaUrl, type UrlPolicy } from '../security/url-policy.ts'
import type { CapabilityDefinition } from './capabilities/types.ts'
import { isFileOutput, type FileOutput, type Output } from './model.ts'

// Characters a URL never needs and that break out of the places clients put it (HTML attributes, headers).
const UNSAFE_IN_OUTPUT = /["'<>`\s]/

/**
 * Null when every output URL may be handed to clients: the input rules (https unless allow-listed,
 * no private addresses or internal names), plus nothing that could break out of an attribute.
 */
export function outputProblem (outputs: readonly Output[], policy: UrlPolicy): string | null {
  // Inline source text has no URL; the provider that produced it vouches for it.
  for (const { url } of outputs.filter(isFileOutput)) {
    if (UNSAFE_IN_OUTPUT.test(url)) return 'must not contain quotes, angle brackets or whitespace'
    const reason = checkMediaUrl(url, policy)
    if (reason) return reason
  }
  return null
}

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
