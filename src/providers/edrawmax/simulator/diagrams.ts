import type { DiagramKind } from '../wire.ts'

/** Up to six short labels taken from the prompt, markers removed, so the drawing echoes the request. */
export function labelsOf (prompt: string): string[] {
  const words = prompt.replace(/#[\w=-]+/g, ' ').split(/[,.;:\n]+|\s+(?:then|and|to)\s+/i).map((w) => w.trim()).filter(Boolean)
  const labels = words.slice(0, 4).map((w) => w.slice(0, 28))
  return ['Start', ...(labels.length ? labels : ['Step']), 'End']
}

/** Source text of the kind EdrawMax returns: Mermaid for flowcharts, a plausible outline for the rest. */
export function sourceFor (diagram: DiagramKind, labels: readonly string[]): string {
  const safe = labels.map((l) => l.replace(/["[\]{}<>|`]/g, ' ').trim() || 'Step')
  if (diagram === 'flowchart') {
    const nodes = safe.map((l, i) => `  n${i}["${l}"]`)
    const edges = safe.slice(1).map((_, i) => `  n${i} --> n${i + 1}`)
    return ['flowchart TD', ...nodes, ...edges].join('\n')
  }
  if (diagram === 'mindmap') return ['# ' + (safe[1] ?? 'Topic'), ...safe.slice(2).map((l) => `## ${l}`)].join('\n')
  if (diagram === 'gantt') {
    return ['| Task | Start | Days |', '|---|---|---|', ...safe.slice(1, -1).map((l, i) => `| ${l} | day ${1 + i * 5} | 5 |`)].join('\n')
  }
  return JSON.stringify({ title: safe[1] ?? 'Infographic', items: safe.slice(2, -1).map((text, i) => ({ n: i + 1, text })) }, null, 2)
}
