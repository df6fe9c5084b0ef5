import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import semver from 'semver'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../src/meta.ts'

function installedEngines (dir: string, found: { name: string, node: string }[] = []): { name: string, node: string }[] {
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('.')) continue
    const path = join(dir, entry)
    if (entry.startsWith('@')) { installedEngines(path, found); continue }
    const manifest = join(path, 'package.json')
    if (!existsSync(manifest)) continue
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string, version: string, engines?: { node?: unknown } }
    if (typeof pkg.engines?.node === 'string' && semver.validRange(pkg.engines.node)) found.push({ name: `${pkg.name}@${pkg.version}`, node: pkg.engines.node })
    if (existsSync(join(path, 'node_modules'))) installedEngines(join(path, 'node_modules'), found)
  }
  return found
}

describe('engines', () => {
  it('no installed dependency needs a newer Node than package.json states (oldest 20.x and 22.x allowed)', () => {
    const root = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }
    // The oldest 20.x and 22.x the range admits; a dependency must run on both.
    const oldest = ['20.19.0', '22.12.0']
    for (const version of oldest) expect(semver.satisfies(version, root.engines.node), version).toBe(true)
    expect(semver.minVersion(root.engines.node)?.version).toBe('20.19.0')
    const tooNew = installedEngines(join(PROJECT_ROOT, 'node_modules'))
      .filter((dep) => oldest.some((version) => !semver.satisfies(version, dep.node)))
      .map((dep) => `${dep.name} wants node ${dep.node}`)
    expect(tooNew).toEqual([])
  })
})
