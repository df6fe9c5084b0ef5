import type { z } from 'zod'
import { EdrawmaxEnvSchema, edrawmaxConfig } from './edrawmax/config.ts'
import { MediaioEnvSchema, mediaioConfig } from './mediaio/config.ts'
import { TencentEnvSchema, tencentConfig } from './tencent/config.ts'

/**
 * A provider's own environment variables and how it reads them into its `Config.<key>` block.
 * src/config.ts merges every block generically, so a new provider adds one line here (beside its
 * registry line) and never touches src/config.ts.
 */
interface ConfigBlock<K extends string, S extends z.ZodObject, C> {
  key: K
  env: S
  /** Given the whole parsed environment (which holds this block's variables); pushes readable problems. */
  read: (env: z.output<S>, problems: string[]) => C
}

const block = <K extends string, S extends z.ZodObject, C>(b: ConfigBlock<K, S, C>): ConfigBlock<K, S, C> => b

/** Order is the README configuration table's order within the provider variables. */
export const PROVIDER_CONFIG_BLOCKS = [
  // `demo` in each block means the provider has no credentials: no secrets / no base URL / no key.
  block({ key: 'tencent', env: TencentEnvSchema, read: tencentConfig }),
  block({ key: 'edrawmax', env: EdrawmaxEnvSchema, read: edrawmaxConfig }),
  block({ key: 'mediaio', env: MediaioEnvSchema, read: mediaioConfig })
] as const

type Blocks = typeof PROVIDER_CONFIG_BLOCKS[number]
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never

/** Every block's variables in one zod shape, for ConfigSchema to extend. */
export type ProviderEnvShape = UnionToIntersection<Blocks['env']['shape']>
export const PROVIDER_ENV_SHAPE = Object.assign({}, ...PROVIDER_CONFIG_BLOCKS.map((b) => b.env.shape)) as ProviderEnvShape

/** `Config.tencent`, `Config.edrawmax`, ...: one field per block. */
export type ProviderConfigs = { [B in Blocks as B['key']]: ReturnType<B['read']> }

export function readProviderConfigs (env: z.output<z.ZodObject<ProviderEnvShape>>, problems: string[]): ProviderConfigs {
  // Each block reads only its own keys out of the whole parsed environment.
  return Object.fromEntries(PROVIDER_CONFIG_BLOCKS.map((b) => [b.key, (b.read as (e: unknown, p: string[]) => unknown)(env, problems)])) as ProviderConfigs
}
