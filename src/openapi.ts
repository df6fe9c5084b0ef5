import { toPortableYaml } from './api-doc/yaml.ts'
import { buildApp } from './app.ts'
import { loadConfig } from './config.ts'

/** The OpenAPI document as the app builds it from its zod schemas, in YAML. Deterministic: no hosts, no dates. */
export async function generateOpenApiYaml (): Promise<string> {
  const app = await buildApp({ config: loadConfig({ DATABASE_PATH: ':memory:' }), logger: false })
  try {
    await app.ready()
    return toPortableYaml(app.swagger())
  } finally {
    await app.close()
  }
}
