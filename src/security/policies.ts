import type { Config } from '../config.ts'
import type { UrlPolicy } from './url-policy.ts'

/** Which input URLs the BFF hands to the gateway. */
export function inputUrlPolicy (config: Config): UrlPolicy {
  return { httpAllowHosts: config.inputs.httpAllowHosts, denyHosts: config.inputs.denyHosts }
}

/** Which output URLs reach clients, and where custody copies from: the gateway serves its own results, so its host is allow-listed. */
export function outputUrlPolicy (config: Config): UrlPolicy {
  const input = inputUrlPolicy(config)
  return { ...input, httpAllowHosts: [...input.httpAllowHosts, new URL(config.gateway.baseUrl).host.toLowerCase()] }
}
