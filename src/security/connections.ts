import { BlockList, isIP, type Server, type Socket } from 'node:net'
import type { TrustProxy } from '../config.ts'

export interface ConnectionCaps {
  /** Open connections in total. */
  total: number
  /** Open connections per peer address. */
  perIp: number
  /** Peers exempt from the per-address cap (a trusted proxy carries many clients). */
  exempt?: (address: string) => boolean
  /** Told about every refused connection. */
  onRefused?: (address: string, reason: 'per-ip') => void
}

/**
 * Caps connections before a byte of HTTP is parsed: the total through Node's own `maxConnections`
 * (the socket is closed on accept), the per-address count on `connection`, listened to before the
 * HTTP server's own handler. Refusing costs one map lookup and a close.
 */
export function capConnections (server: Server, caps: ConnectionCaps): { open: (address: string) => number } {
  server.maxConnections = caps.total
  const perAddress = new Map<string, number>()
  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? ''
    if (caps.exempt?.(address)) return
    const count = (perAddress.get(address) ?? 0) + 1
    if (count > caps.perIp) {
      socket.destroy()
      caps.onRefused?.(address, 'per-ip')
      return
    }
    perAddress.set(address, count)
    socket.once('close', () => {
      const left = (perAddress.get(address) ?? 1) - 1
      if (left <= 0) perAddress.delete(address)
      else perAddress.set(address, left)
    })
  })
  return { open: (address) => perAddress.get(address) ?? 0 }
}

/** Matches addresses against a list of addresses and CIDR ranges (IPv4-mapped IPv6 as IPv4). */
export function addressMatcher (entries: readonly string[]): (address: string) => boolean {
  const list = new BlockList()
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/')
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    if (bits === undefined) list.addAddress(address, type)
    else list.addSubnet(address, Number(bits), type)
  }
  return (raw) => {
    const address = raw.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '')
    const family = isIP(address)
    return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4')
  }
}

/**
 * Fastify's `trustProxy` for our setting. A hop count trusts that many proxies counted from the
 * socket, so the client is the entry the outermost one appended: never what the client wrote.
 */
export function trustProxyOption (setting: TrustProxy): false | string[] | ((address: string, hop: number) => boolean) {
  if (setting === false || setting === 0) return false
  if (typeof setting === 'number') return (_address, hop) => hop < setting
  return setting
}
