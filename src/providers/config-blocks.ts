import type { z } from 'zod'
import { PROVIDERS } from './registry.ts'

/**
 * Every provider's configuration block (its module's `settings`), for src/config-schema.ts to merge
 * and src/config.ts to read. A new provider brings its block with its registry line; nothing here
 * or in src/config.ts changes.
 */
export const PROVIDER_CONFIG_BLOCKS = PROVIDERS.map((p) => p.settings)

type Blocks = typeof PROVIDERS[number]['settings']
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never

/** Every block's variables in one zod shape, for ConfigSchema to extend. */
export type ProviderEnvShape = UnionToIntersection<Blocks['env']['shape']>
export const PROVIDER_ENV_SHAPE = Object.assign({}, ...PROVIDER_CONFIG_BLOCKS.map((b) => b.env.shape)) as ProviderEnvShape

/** `Config.tomoviee`, `Config.tencent`, ...: one field per provider. */
export type ProviderConfigs = { [B in Blocks as B['key']]: ReturnType<B['read']> }

export function readProviderConfigs (env: z.output<z.ZodObject<ProviderEnvShape>>, problems: string[]): ProviderConfigs {
  // Each block reads only its own keys out of the whole parsed environment.
  return Object.fromEntries(PROVIDER_CONFIG_BLOCKS.map((b) => [b.key, (b.read as (e: unknown, p: string[]) => unknown)(env, problems)])) as ProviderConfigs
}
