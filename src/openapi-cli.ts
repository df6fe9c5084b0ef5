import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PROJECT_ROOT } from './meta.ts'
import { generateOpenApiYaml } from './openapi.ts'

// `npm run openapi`: rewrites the committed openapi.yaml; test/openapi.test.ts fails when it drifts.
const target = join(PROJECT_ROOT, 'openapi.yaml')
writeFileSync(target, await generateOpenApiYaml())
process.stdout.write('openapi.yaml written\n')
