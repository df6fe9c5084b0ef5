import type { z } from 'zod'

/**
 * A provider's configuration block, declared in its own folder and attached to its ProviderModule:
 * src/config-schema.ts merges every block's variables and src/config.ts reads each into
 * `Config.<key>`, so nothing outside the folder names a provider's variables.
 */
export interface ProviderSettings<K extends string = string, S extends z.ZodObject = z.ZodObject, C = unknown> {
  /** The provider's id: the block is `Config.<key>`. */
  readonly key: K
  /** The block's environment variables, each with `.describe()` (the README table is checked against them). */
  readonly env: S
  /** Reads the block from the whole parsed environment; pushes readable problems instead of throwing, like loadConfig. */
  read (env: z.output<S>, problems: string[]): C
  /** The variables that together are the provider's credentials (DEMO=true refuses to run beside them). */
  readonly credentials?: readonly string[] | undefined
  /**
   * Demo mode (the dev key, every provider simulated) follows from these credentials being unset,
   * and a start outside demo mode requires them: ToMoviee's, the provider the BFF was built for.
   */
  readonly decidesDemo?: boolean | undefined
}

interface SettingsOptions<K extends string, S extends z.ZodObject, C> {
  key: K
  /** A z.object of the variables, named after the provider (`<ID>_*`). */
  env: S
  read: (env: z.output<S>, problems: string[]) => C
  credentials?: readonly string[]
  decidesDemo?: boolean
}

/** Keeps the literal key and the block's type, so `config.<key>` is typed in the provider's own code. */
export function defineSettings<K extends string, S extends z.ZodObject, C> (opts: SettingsOptions<K, S, C>): ProviderSettings<K, S, C> {
  return opts
}
