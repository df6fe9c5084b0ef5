/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --profile`, i.e. the BFF under --cpu-prof):
 * self time by function and by package/area, and inclusive time of the project's own functions.
 * When `<name>.windows.json` lies next to the profile (written by run.ts), only samples inside the
 * measured windows count, so start-up, warm-up and idle time stay out.
 *
 *   npx tsx test/bench/cpuprofile-summary.ts <file.cpuprofile> [--window=<label>] [--top=N]
 */
import { existsSync, readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ROOT } from './common.ts'

interface CallFrame { functionName: string, url: string, lineNumber: number, columnNumber: number }
interface ProfileNode { id: number, callFrame: CallFrame, children?: number[] }
interface Profile { nodes: ProfileNode[], startTime: number, endTime: number, samples: number[], timeDeltas: number[] }

const args = process.argv.slice(2)
const file = args.find((a) => !a.startsWith('--'))
if (!file) {
  process.stderr.write('usage: tsx test/bench/cpuprofile-summary.ts <file.cpuprofile> [--window=<label>] [--top=N]\n')
  process.exit(1)
}
const windowLabel = args.find((a) => a.startsWith('--window='))?.split('=')[1]
const top = Number(args.find((a) => a.startsWith('--top='))?.split('=')[1] ?? 25)

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const sidecar = file.replace(/\.cpuprofile$/, '.windows.json')
const windows = (existsSync(sidecar) ? JSON.parse(readFileSync(sidecar, 'utf8')) as { label: string, startUs: number, endUs: number }[] : [])
  .filter((w) => windowLabel === undefined || w.label === windowLabel)

const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

/** Where a frame's code lives: the project file, a package, or Node itself. */
function where (frame: CallFrame): { area: string, place: string } {
  const url = frame.url
  if (!url) return { area: frame.functionName.startsWith('(') ? frame.functionName : '(native)', place: '' }
  if (url.startsWith('node:')) return { area: 'node (core)', place: `${url}:${frame.lineNumber + 1}` }
  const path = url.startsWith('file://') ? fileURLToPath(url) : url
  const rel = relative(ROOT, path)
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(rel)?.[1]
  if (pkg) return { area: `npm: ${pkg}`, place: `${rel.replace(/^.*node_modules\//, '')}:${frame.lineNumber + 1}` }
  // Line numbers of .ts files are those of tsx's output, not of the source: name the file only.
  if (!rel.startsWith('..')) return { area: `project: ${rel.split('/')[0]}/`, place: rel.endsWith('.ts') ? rel : `${rel}:${frame.lineNumber + 1}` }
  return { area: 'other', place: `${path}:${frame.lineNumber + 1}` }
}

// Sample times: each sample lasts until the next one.
const self = new Map<number, number>()
let t = profile.startTime
let total = 0
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i] ?? 0
  const next = profile.timeDeltas[i + 1] ?? 0
  if (windows.length && !windows.some((w) => t >= w.startUs && t <= w.endUs)) continue
  const id = profile.samples[i]!
  self.set(id, (self.get(id) ?? 0) + next)
  total += next
}
const idle = [...self].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((s, [, v]) => s + v, 0)
const busy = total - idle

const keyOf = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'}  ${where(n.callFrame).place}`
const selfBy = new Map<string, number>()
const areaBy = new Map<string, number>()
const inclusive = new Map<string, number>()
for (const [id, time] of self) {
  const node = byId.get(id)!
  if (node.callFrame.functionName === '(idle)') continue
  selfBy.set(keyOf(node), (selfBy.get(keyOf(node)) ?? 0) + time)
  const area = where(node.callFrame).area
  areaBy.set(area, (areaBy.get(area) ?? 0) + time)
  // Inclusive: every distinct function on the stack gets the sample once.
  const seen = new Set<string>()
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const k = keyOf(byId.get(cur)!)
    if (seen.has(k)) continue
    seen.add(k)
    inclusive.set(k, (inclusive.get(k) ?? 0) + time)
  }
}

const pct = (v: number): string => `${((100 * v) / busy).toFixed(1).padStart(5)}%`
const lines: string[] = []
lines.push(`${file}${windows.length ? ` (windows: ${[...new Set(windows.map((w) => w.label))].join(', ')}, ${windows.length} spans)` : ' (whole profile)'}`)
lines.push(`sampled ${(total / 1e6).toFixed(2)} s, of which busy ${(busy / 1e6).toFixed(2)} s (idle ${(idle / 1e6).toFixed(2)} s); shares below are of busy time`, '')
lines.push('Self time by area:')
for (const [k, v] of [...areaBy].sort((a, b) => b[1] - a[1]).slice(0, 20)) lines.push(`  ${pct(v)}  ${k}`)
lines.push('', `Self time, top ${top} functions:`)
for (const [k, v] of [...selfBy].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v)}  ${k}`)
lines.push('', `Inclusive time, top ${top} functions of the project (src/, plugins/, routes/):`)
for (const [k, v] of [...inclusive].filter(([k]) => /\s(src|plugins|routes)\//.test(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v)}  ${k}`)
lines.push('', `Inclusive time, top ${top} functions of packages:`)
for (const [k, v] of [...inclusive].filter(([k]) => !/\s(src|plugins|routes|test)\//.test(k) && !k.startsWith('(')).sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v)}  ${k}`)
process.stdout.write(`${lines.join('\n')}\n`)
