/**
 * How the benchmark's report writes figures: number formats, the BFF-against-baseline table with
 * goals and verdicts, and where a figure comes from (the fd limit, the measured commit).
 */
import { execFileSync } from 'node:child_process'
import { ROOT } from './common.ts'

export const fmt = (v: number, digits = 0): string => Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a'
export const ms = (v: number): string => `${fmt(v, v < 10 ? 2 : 1)} ms`
export const us = (v: number): string => `${fmt(v)} µs`
export const kib = (bytes: number): string => `${fmt(bytes / 1024, 1)} KiB`

export interface Goal { op: '>=' | '<=', value: number }
export interface Row {
  metric: string
  bff: number
  base: number
  unit: (v: number) => string
  goal?: Goal
  /** Scenario 5: the embedded BFF's figure and its baseline's, from scenarios 2–4 of the same run. */
  embedded?: { bff: number, base: number }
}

const goalText = (g: Goal): string => `${g.op === '>=' ? '≥' : '≤'} ${g.value}×`
const meets = (g: Goal, ratio: number): boolean => g.op === '>=' ? ratio >= g.value : ratio <= g.value

/** With `embeddedHeader`, two more columns: the embedded figure (and its own ratio), and Redis / embedded. */
export function table (rows: Row[], opts: { bffHeader?: string, ratioHeader?: string, embeddedHeader?: string } = {}): string {
  const extra = opts.embeddedHeader !== undefined
  const lines = [
    `| Metric | ${opts.bffHeader ?? 'BFF'} | Baseline | ${opts.ratioHeader ?? 'Ratio (BFF / baseline)'} | Goal | Met? |${extra ? ` ${opts.embeddedHeader} | Redis / embedded |` : ''}`,
    `|---|---:|---:|---:|---|---|${extra ? '---:|---:|' : ''}`
  ]
  for (const r of rows) {
    const ratio = r.bff / r.base
    const met = r.goal === undefined ? '—' : meets(r.goal, ratio) ? 'yes' : '**no**'
    let line = `| ${r.metric} | ${r.unit(r.bff)} | ${r.unit(r.base)} | ${fmt(ratio, 2)}× | ${r.goal ? goalText(r.goal) : '(informational)'} | ${met} |`
    if (extra) {
      line += r.embedded
        ? ` ${r.unit(r.embedded.bff)} (${fmt(r.embedded.bff / r.embedded.base, 2)}×) | ${fmt(r.bff / r.embedded.bff, 2)}× |`
        : ' not run | — |'
    }
    lines.push(line)
  }
  return lines.join('\n')
}

/** One sentence on the goals of a table: which are met. */
export function goalSummary (rows: Row[]): string {
  const withGoal = rows.filter((r): r is Row & { goal: Goal } => r.goal !== undefined)
  if (withGoal.length === 0) return 'No goal at this size (informational).'
  return 'Goals: ' + withGoal.map((r) => {
    const ratio = r.bff / r.base
    return `${r.metric.toLowerCase()} ${goalText(r.goal)}: ${meets(r.goal, ratio) ? 'met' : '**not met**'} (${fmt(ratio, 2)}×)`
  }).join('; ') + '.'
}

export const rounds = (xs: number[], unit: (v: number) => string): string => xs.map(unit).join(', ')

export function fdLimit (): string {
  try {
    return execFileSync('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; echo "$(ulimit -n) (hard $(ulimit -Hn))"'], { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

/** Which BFF code was measured: the commit, and whether src/, plugins/ or routes/ had local changes. */
export function revision (): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'plugins', 'routes'], { cwd: ROOT, encoding: 'utf8' }).trim()
    return `git ${sha}${dirty ? ` with uncommitted changes in src/, plugins/ or routes/ (${dirty.split('\n').length} paths)` : ' (clean)'}`
  } catch {
    return 'unknown (not a git checkout)'
  }
}

export function verdict (ok: boolean): string { return ok ? 'met' : '**not met**' }
