import { isIP } from 'node:net'

// Names that only mean something inside a network: the gateway would resolve them in its own.
const INTERNAL_SUFFIXES = ['localhost', 'local', 'internal', 'localdomain', 'svc', 'home.arpa', 'lan', 'intranet']
// Services whose names resolve to the address written into them (10.0.0.1.nip.io, 10-0-0-1.sslip.io, 0a000001.nip.io).
const EMBEDDING_SERVICES = ['nip.io', 'sslip.io', 'xip.io', 'traefik.me']
// Public names that always resolve to loopback.
const LOOPBACK_NAMES = ['localtest.me', 'lvh.me', 'vcap.me']

const within = (host: string, domain: string): boolean => host === domain || host.endsWith(`.${domain}`)

/** Matches a deny-list entry: `name` exactly, or `.domain` for the domain and all below it. */
export function matchesHostEntry (host: string, entry: string): boolean {
  const e = entry.toLowerCase().replace(/\.+$/, '')
  return e.startsWith('.') ? within(host, e.slice(1)) : host === e
}

/** The IPv4 address a wildcard-DNS name embeds, if it embeds one. */
export function embeddedAddress (host: string): string | undefined {
  const service = EMBEDDING_SERVICES.find((s) => host.endsWith(`.${s}`))
  if (!service) return undefined
  const labels = host.slice(0, -service.length - 1).split('.')
  const dotted = labels.slice(-4).join('.')
  if (isIP(dotted) === 4) return dotted
  const last = labels.at(-1) ?? ''
  const dashed = last.split('-').slice(-4).join('.')
  if (isIP(dashed) === 4) return dashed
  const hex = /(?:^|-)([0-9a-f]{8})$/.exec(last)?.[1]
  if (hex) return [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.')
  return undefined
}

/**
 * Null when a host name may be handed to the gateway; else why not. `host` is lower-case without
 * a trailing dot and is not an IP literal. `isPrivate` checks an embedded address.
 */
export function checkHostName (host: string, denyHosts: readonly string[], isPrivate: (ip: string) => boolean): string | null {
  if (within(host, 'localhost') || LOOPBACK_NAMES.some((n) => within(host, n))) return 'must not point to localhost'
  if (!host.includes('.')) return 'must use a fully qualified public host name'
  if (INTERNAL_SUFFIXES.some((s) => within(host, s))) return 'must not use an internal host name'
  const embedded = embeddedAddress(host)
  if (embedded !== undefined && isPrivate(embedded)) return 'must not point to a private, loopback or link-local address'
  if (denyHosts.some((entry) => matchesHostEntry(host, entry))) return 'must not use this host'
  return null
}
