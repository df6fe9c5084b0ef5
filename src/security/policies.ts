import type { Config } from '../config.ts'
import { PROVIDERS } from '../providers/registry.ts'
import type { UrlPolicy } from './url-policy.ts'

/** Which input URLs the BFF hands to the gateway. */
export function inputUrlPolicy (config: Config): UrlPolicy {
  return { httpAllowHosts: config.inputs.httpAllowHosts, denyHosts: config.inputs.denyHosts }
}

/** Which output URLs reach clients, and where custody copies from: each provider serves its own results, so their hosts are allow-listed. */
export function outputUrlPolicy (config: Config): UrlPolicy {
  const input = inputUrlPolicy(config)
  return { ...input, httpAllowHosts: [...input.httpAllowHosts, ...PROVIDERS.flatMap((p) => p.outputHosts(config))] }
}
