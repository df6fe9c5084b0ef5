import { edrawmax } from './edrawmax/index.ts'
import { mediaio } from './mediaio/index.ts'
import { tencent } from './tencent/index.ts'
import { tomoviee } from './tomoviee/index.ts'
import type { ProviderModule } from './types.ts'

/**
 * Every provider the BFF offers, one line each. Routes, webhooks, OpenAPI, `GET /v1/capabilities`,
 * the client's types, demo simulators and readiness all derive from this list.
 */
export const PROVIDERS: readonly ProviderModule[] = [
  tomoviee,
  tencent,
  edrawmax,
  mediaio
]

export function findProvider (id: string): ProviderModule | undefined {
  return PROVIDERS.find((p) => p.id === id)
}
