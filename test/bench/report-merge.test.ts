import { describe, expect, it } from 'vitest'
import { mergeReport } from './report-merge.ts'

const doc = (...sections: string[]): string => `# Benchmarks\n\nintro\n\n${sections.join('\n\n')}\n`

describe('BENCHMARKS.md merge', () => {
  const ours = new Set(['Machine and command', '1. Create', '2. Ingest', '6. Replay'])

  it('replaces only the sections the run measured and keeps the rest, foreign ones included', () => {
    const previous = doc('## Machine and command\n\nold machine', '## 1. Create\n\nold create', '## 2. Ingest\n\nold ingest', '## Uploads\n\nuploads', '## Distributed fan-out\n\nkept')
    const fresh = doc('## Machine and command\n\nnew machine', '## 1. Create\n\nNot run.', '## 2. Ingest\n\nnew ingest', '## 6. Replay\n\nnew replay')
    const merged = mergeReport(previous, fresh, new Set(['Machine and command', '2. Ingest', '6. Replay']), ours)
    expect(merged).toBe(doc('## Machine and command\n\nnew machine', '## 1. Create\n\nold create', '## 2. Ingest\n\nnew ingest', '## 6. Replay\n\nnew replay', '## Uploads\n\nuploads', '## Distributed fan-out\n\nkept'))
  })

  it('writes the whole report into an empty file', () => {
    const fresh = doc('## 1. Create\n\nc')
    expect(mergeReport('', fresh, new Set(['1. Create']), ours)).toBe(fresh)
  })
})
