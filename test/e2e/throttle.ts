import { connect, createServer, type AddressInfo, type Socket } from 'node:net'

export interface Throttle {
  url: string
  /** Bytes per second from the browser to the server; Infinity lets them through at full speed. */
  setUploadRate: (bytesPerSec: number) => void
  close: () => Promise<void>
}

/**
 * A TCP proxy in front of `target` that slows what clients send (Chromium's network emulation
 * slows downloads only), so a test can pause a browser's upload part-way through.
 */
export async function startThrottle (target: { host: string, port: number }): Promise<Throttle> {
  let rate = Infinity
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => { client.destroy(); upstream.destroy() })
    }
    upstream.pipe(client)
    client.on('end', () => upstream.end())
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk)
      if (rate === Infinity) return
      // Hold the next read back for as long as this chunk takes at the set rate.
      client.pause()
      setTimeout(() => client.resume(), Math.ceil((chunk.length / rate) * 1000))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setUploadRate: (bytesPerSec) => { rate = bytesPerSec },
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => server.close(resolve))
    }
  }
}
