/**
 * Compares two V8 heap snapshots of one server (from `npm run bench -- --heap-snapshots`): what
 * each open stream adds, by object kind (constructor, closure name, or string/array/code).
 *
 *   npx tsx test/bench/heap-diff.ts <idle.heapsnapshot> <open.heapsnapshot> <streams> [--top=N]
 */
import { readFileSync } from 'node:fs'

interface Snapshot {
  snapshot: { meta: { node_fields: string[], node_types: [string[], ...unknown[]] } }
  nodes: number[]
  strings: string[]
}

function aggregate (path: string): Map<string, { count: number, size: number }> {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as Snapshot
  const fields = snap.snapshot.meta.node_fields
  const types = snap.snapshot.meta.node_types[0]
  const width = fields.length
  const iType = fields.indexOf('type')
  const iName = fields.indexOf('name')
  const iSize = fields.indexOf('self_size')
  const out = new Map<string, { count: number, size: number }>()
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]!] ?? '?'
    const name = snap.strings[snap.nodes[i + iName]!] ?? ''
    // Strings and code are grouped by kind; objects by constructor, closures by function name.
    const key = type === 'object' || type === 'closure' || type === 'native' ? `${type}: ${name.slice(0, 60)}` : `(${type})`
    const entry = out.get(key) ?? { count: 0, size: 0 }
    entry.count++
    entry.size += snap.nodes[i + iSize]!
    out.set(key, entry)
  }
  return out
}

const [idlePath, openPath, streamsArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'))
if (!idlePath || !openPath || !streamsArg) {
  process.stderr.write('usage: tsx test/bench/heap-diff.ts <idle.heapsnapshot> <open.heapsnapshot> <streams> [--top=N]\n')
  process.exit(1)
}
const top = Number(process.argv.find((a) => a.startsWith('--top='))?.split('=')[1] ?? 30)
const n = Number(streamsArg)
const idle = aggregate(idlePath)
const open = aggregate(openPath)
const rows = [...new Set([...idle.keys(), ...open.keys()])].map((key) => {
  const a = idle.get(key) ?? { count: 0, size: 0 }
  const b = open.get(key) ?? { count: 0, size: 0 }
  return { key, count: (b.count - a.count) / n, size: (b.size - a.size) / n }
}).sort((x, y) => y.size - x.size)
const total = rows.reduce((s, r) => s + r.size, 0)
process.stdout.write(`${openPath} vs ${idlePath}: ${(total / 1024).toFixed(2)} KiB of V8 heap (self sizes) per stream, ${n} streams\n`)
process.stdout.write('  bytes/stream  objects/stream  kind\n')
for (const r of rows.slice(0, top)) {
  process.stdout.write(`  ${r.size.toFixed(0).padStart(12)}  ${r.count.toFixed(2).padStart(14)}  ${r.key}\n`)
}
