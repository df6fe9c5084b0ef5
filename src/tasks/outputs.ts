import { checkMediaUrl, type UrlPolicy } from '../security/url-policy.ts'
import { isFileOutput, type Output } from './model.ts'

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
