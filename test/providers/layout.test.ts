import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../../src/meta.ts'
import { PROVIDERS } from '../../src/providers/registry.ts'

const PROVIDERS_DIR = join(PROJECT_ROOT, 'src/providers')
// Folders under src/providers/ that every provider shares; any other folder is a provider.
const SHARED_FOLDERS = ['simulator-kit']

/** The README's list of a provider folder's files: each row's first cell, alternatives joined by "or". */
function requiredFiles (): string[][] {
  const section = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8').split('\n### Adding a provider\n')[1]!.split('\n## ')[0]!
  const rows = section.split('\n').filter((line) => /^\| `/.test(line))
  return rows.map((row) => row.split('|')[1]!.split(' or ').map((cell) => /`([^`]+)`/.exec(cell)![1]!))
}

const folders = readdirSync(PROVIDERS_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !SHARED_FOLDERS.includes(d.name))
  .map((d) => d.name)

describe('a provider is one folder plus one registry line', () => {
  it('the README lists the files of a provider folder', () => {
    const files = requiredFiles().flat()
    for (const file of ['index.ts', 'config.ts', 'wire.ts', 'status.ts', 'client.ts', 'simulator/app.ts', 'README.md']) expect(files).toContain(file)
  })

  it('every provider folder is in the registry, and every registry line has its folder', () => {
    expect(folders.sort()).toEqual(PROVIDERS.map((p) => p.id).sort())
  })

  it.each(folders)('%s has every file the README lists', (id) => {
    for (const alternatives of requiredFiles()) {
      expect(alternatives.some((file) => existsSync(join(PROVIDERS_DIR, id, file))), `src/providers/${id}/${alternatives.join(' or ')}`).toBe(true)
    }
  })

  it.each(folders)('%s exports its registry line from index.ts and its settings from config.ts', async (id) => {
    const module = PROVIDERS.find((p) => p.id === id)!
    const index = await import(join(PROVIDERS_DIR, id, 'index.ts')) as Record<string, unknown>
    const config = await import(join(PROVIDERS_DIR, id, 'config.ts')) as Record<string, unknown>
    expect(index[id], `src/providers/${id}/index.ts exports ${id}`).toBe(module)
    expect(config[`${id}Settings`], `src/providers/${id}/config.ts exports ${id}Settings`).toBe(module.settings)
    expect(module.settings.key).toBe(id)
  })
})
