/**
 * Keeps open connections from holding a graceful close: once closing starts, a connection with
 * no request in progress (a pre-connect that never sent one, an idle keep-alive, a request whose
 * head never completed) is closed at once, and every other one as soon as its response is done.
 * Requests in flight keep their time. Decorates nothing; depends on nothing.
 * @see https://nodejs.org/api/http.html#servercloseidleconnections
 */
import type { Socket } from 'node:net'
import fp from 'fastify-plugin'

export default fp(async function shutdownConnections (fastify) {
  const sockets = new Set<Socket>()
  const busy = new Set<Socket>()
  let closing = false

  fastify.server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => { sockets.delete(socket); busy.delete(socket) })
  })
  fastify.server.on('request', (req, res) => {
    const socket = req.socket
    busy.add(socket)
    res.once('close', () => {
      busy.delete(socket)
      if (closing) socket.destroy()
    })
  })
  fastify.addHook('preClose', async () => {
    closing = true
    for (const socket of sockets) if (!busy.has(socket)) socket.destroy()
  })
}, { name: 'shutdown-connections' })
