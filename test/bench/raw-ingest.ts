/**
 * Baseline for scenario 2: a plain node:http server that parses each callback's JSON and inserts
 * it into SQLite (better-sqlite3, WAL, the same pragmas as src/store/sqlite.ts), then acks.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import Database from 'better-sqlite3'
import { startChild } from './child.ts'

const db = new Database(process.env.DATABASE_PATH!)
db.pragma('journal_mode = WAL')
db.pragma('synchronous = NORMAL')
db.pragma('busy_timeout = 5000')
db.exec(`CREATE TABLE IF NOT EXISTS callbacks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  task TEXT NOT NULL,
  status INTEGER NOT NULL,
  progress INTEGER,
  body TEXT NOT NULL
)`)
const insert = db.prepare<[string, number, number | null, string]>('INSERT INTO callbacks (task, status, progress, body) VALUES (?, ?, ?, ?)')
const ACK = JSON.stringify({ received: true, changed: true })

const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    try {
      const text = Buffer.concat(chunks).toString('utf8')
      const payload = JSON.parse(text) as { status: number, progress?: number }
      const task = new URLSearchParams((req.url ?? '').split('?')[1] ?? '').get('task') ?? ''
      insert.run(task, payload.status, payload.progress ?? null, text)
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(ACK)
    } catch {
      res.writeHead(400).end()
    }
  })
})
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  startChild({
    info: { port: (server.address() as AddressInfo).port },
    handlers: { rows: () => (db.prepare('SELECT COUNT(*) AS n FROM callbacks').get() as { n: number }).n },
    onStop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      db.close()
    }
  })
})
