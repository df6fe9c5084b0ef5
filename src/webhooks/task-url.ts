import { BffError } from '../errors.ts'
import { checkMediaUrl, isAllowListed } from '../security/url-policy.ts'

/**
 * A task's own webhook URL is a request the BFF makes on a client's word, so it passes the input
 * URL policy and must name a host the operator allow-listed (which may then be http or private).
 */
export function checkTaskWebhookUrl (raw: string, allowHosts: readonly string[]): string | null {
  if (allowHosts.length === 0) return 'is not accepted: this deployment allows no per-task webhook URLs (WEBHOOK_ALLOW_HOSTS)'
  const policy = { httpAllowHosts: allowHosts }
  const reason = checkMediaUrl(raw, policy)
  if (reason !== null) return reason
  return isAllowListed(new URL(raw), policy) ? null : 'must use a host on WEBHOOK_ALLOW_HOSTS'
}

export function assertTaskWebhookUrl (raw: string, allowHosts: readonly string[]): void {
  const reason = checkTaskWebhookUrl(raw, allowHosts)
  if (reason !== null) throw new BffError('BFF_ERR_VALIDATION', `headers.webhook-url: ${reason}`, { issues: [{ path: 'headers.webhook-url', message: reason }] })
}
