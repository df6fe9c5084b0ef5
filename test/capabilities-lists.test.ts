import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../src/meta.ts'
import { PROVIDERS } from '../src/providers/registry.ts'
import { CAPABILITIES, findCapability, providerOfCapability } from '../src/tasks/capabilities/index.ts'
import { CASES, PROVIDER_CASES } from './fixtures/capabilities.ts'

const read = (path: string): string => readFileSync(join(PROJECT_ROOT, path), 'utf8')

/** The first table under `## <section>` in the README, by its rows' first cell (a `code` name): the other cells. */
function readmeRows (section: string): Map<string, string[]> {
  const text = read('README.md').split(`\n## ${section}\n`)[1]!.split('\n## ')[0]!
  const table = text.slice(text.indexOf('\n|')).split('\n\n')[0]!
  const rows = new Map<string, string[]>()
  for (const line of table.split('\n')) {
    const cells = /^\| `([a-z0-9-]+)` \|(.*)\|$/.exec(line)
    if (cells) rows.set(cells[1]!, cells[2]!.split(' | ').map((c) => c.trim()))
  }
  return rows
}
/** The README's capability table: capability to provider. */
const capabilityRows = (): Map<string, string | undefined> => new Map([...readmeRows('Capabilities')].map(([name, cells]) => [name, cells[0]]))

// The lists kept by hand (fixtures, README) and the generated one (client types) follow the
// registry: a capability added to a provider fails here until every list names it.
describe('every capability of the registry is in every list', () => {
  it('each provider declares at least one capability, and every capability belongs to one provider', () => {
    for (const provider of PROVIDERS) expect(provider.capabilities.length, provider.id).toBeGreaterThan(0)
    for (const def of CAPABILITIES) expect(PROVIDERS.map((p) => p.id)).toContain(providerOfCapability(def.name))
  })

  it.each(CAPABILITIES.map((c) => [c.name]))('%s: client types, fixtures and README table', (name) => {
    const generated = read('packages/client/src/generated.ts')
    expect(generated, 'packages/client/src/generated.ts (npm run client:types)').toContain(`  ${JSON.stringify(name)}: `)
    const cases = [...CASES.map((c) => c.name), ...PROVIDER_CASES.map((c) => c.name)]
    expect(cases, 'test/fixtures/capabilities.ts').toContain(name)
    expect(capabilityRows().get(name), 'the README capability table').toBe(providerOfCapability(name))
  })

  it('names no capability that does not exist', () => {
    for (const name of [...capabilityRows().keys(), ...PROVIDER_CASES.map((c) => c.name)]) expect(findCapability(name), name).toBeDefined()
    for (const c of PROVIDER_CASES) {
      expect(c.provider).toBe(providerOfCapability(c.name))
      expect(findCapability(c.name)!.input.safeParse(c.body).success, c.name).toBe(true)
    }
  })
})

// Every provider of the registry in the README's provider table (with its delivery model) and
// through the provider contract suite: adding a provider fails here until both exist.
describe('every provider of the registry is documented and runs the contract suite', () => {
  it.each(PROVIDERS.map((p) => [p.id, p] as const))('%s: README provider table and contract suite', (id, provider) => {
    // Columns after the id: Capabilities | Delivery | ...; the delivery cell starts with the model.
    const row = readmeRows('Providers').get(id)
    expect(row, 'the README provider table').toBeDefined()
    expect(row![1], 'its delivery column').toMatch(new RegExp(`^${provider.delivery}\\b`))
    expect(existsSync(join(PROJECT_ROOT, `test/providers/${id}/contract.test.ts`)), `test/providers/${id}/contract.test.ts`).toBe(true)
  })

  it('names no provider that does not exist', () => {
    for (const id of readmeRows('Providers').keys()) expect(PROVIDERS.map((p) => p.id)).toContain(id)
  })
})
