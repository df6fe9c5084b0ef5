import { PROVIDERS } from '../../providers/registry.ts'
import type { CapabilityDefinition } from './types.ts'

/** Every capability the BFF exposes: each provider's, in registry order. */
export const CAPABILITIES: readonly CapabilityDefinition[] = PROVIDERS.flatMap((p) => p.capabilities)

const byName = new Map(CAPABILITIES.map((c) => [c.name, c]))
const providerByName = new Map(PROVIDERS.flatMap((p) => p.capabilities.map((c) => [c.name, p.id] as const)))
if (byName.size !== CAPABILITIES.length) throw new Error('two providers declare a capability of the same name')

export function findCapability (name: string): CapabilityDefinition | undefined {
  return byName.get(name)
}

/** The id of the provider that serves a capability. */
export function providerOfCapability (name: string): string | undefined {
  return providerByName.get(name)
}

/** "text-to-music" -> "TextToMusic": operation ids and generated type names. */
export function pascalCase (name: string): string {
  return name.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase())
}
