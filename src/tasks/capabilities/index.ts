import type { CapabilityDefinition } from './types.ts'
import { videoScoring } from './video-scoring.ts'

/** Every capability the BFF exposes, in the order they are documented. */
export const CAPABILITIES: readonly CapabilityDefinition[] = [
  videoScoring as unknown as CapabilityDefinition
]

const byName = new Map(CAPABILITIES.map((c) => [c.name, c]))
const byEndpoint = new Map(CAPABILITIES.map((c) => [c.endpoint, c]))

export function findCapability (name: string): CapabilityDefinition | undefined {
  return byName.get(name)
}

export function findCapabilityByEndpoint (endpoint: string): CapabilityDefinition | undefined {
  return byEndpoint.get(endpoint)
}
