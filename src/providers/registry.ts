import { edrawmax } from './edrawmax/index.ts'
import { mediaio } from './mediaio/index.ts'
import { tencent } from './tencent/index.ts'
import { tomoviee } from './tomoviee/index.ts'
import type { ProviderModule } from './types.ts'

/**
 * Every provider the BFF offers, one line each. Routes, webhooks, OpenAPI, `GET /v1/capabilities`,
 * the client's types, demo simulators, readiness and the configuration (each module's `settings`:
 * src/providers/config-blocks.ts) all derive from this list. A tuple, so `Config.<id>` keeps each
 * block's type.
 */
export const PROVIDERS = [
  tomoviee,
  tencent,
  edrawmax,
  mediaio
] as const satisfies readonly ProviderModule[]

export function findProvider (id: string): ProviderModule | undefined {
  return PROVIDERS.find((p) => p.id === id)
}
