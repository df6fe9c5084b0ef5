/**
 * BENCHMARKS.md is written section by section (`## ` headings): a run replaces the sections it
 * produced and keeps every other one as it was (a partial `--only` run, or sections written by
 * other scripts such as test/bench/upload.ts), in the file's order; new sections go before the
 * first kept section that no run of test/bench/run.ts writes.
 */
export interface Section { title: string, text: string }

export function splitSections (md: string): { head: string, sections: Section[] } {
  const parts = md.split(/^(?=## )/m)
  const head = parts[0]!.startsWith('## ') ? '' : parts.shift()!
  return { head, sections: parts.map((text) => ({ title: text.slice(3, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n')).trim(), text: `${text.trimEnd()}\n` })) }
}

/**
 * `fresh`: the report of this run; `take`: titles of its sections that this run measured (the
 * others in `fresh` say "Not run" and must not replace a measured section); `ours`: every title
 * run.ts can write, so that a new one lands among them rather than after foreign sections.
 */
export function mergeReport (previous: string, fresh: string, take: ReadonlySet<string>, ours: ReadonlySet<string>): string {
  const next = splitSections(fresh)
  if (!previous.trim()) return fresh
  const old = splitSections(previous)
  const byTitle = new Map(next.sections.map((s) => [s.title, s]))
  const out: Section[] = old.sections.map((s) => take.has(s.title) && byTitle.has(s.title) ? byTitle.get(s.title)! : s)
  const missing = next.sections.filter((s) => take.has(s.title) && !old.sections.some((o) => o.title === s.title))
  const firstForeign = out.findIndex((s) => !ours.has(s.title))
  out.splice(firstForeign === -1 ? out.length : firstForeign, 0, ...missing)
  return `${next.head.trimEnd()}\n\n${out.map((s) => s.text.trimEnd()).join('\n\n')}\n`
}
