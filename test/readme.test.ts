import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigSchema } from '../src/config.ts'
import { ERROR_CODES } from '../src/errors.ts'
import { PROJECT_ROOT } from '../src/meta.ts'

const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8')

describe('README', () => {
  it('documents every configuration variable with its schema description', () => {
    for (const [name, schema] of Object.entries(ConfigSchema.shape)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${name}\` |`))
      expect(row, `README row for ${name}`).toBeDefined()
      expect(row).toContain(schema.description!)
    }
  })

  it('names every error code', () => {
    for (const code of ERROR_CODES) {
      const short = code.replace(/^BFF_ERR_TASK_(?!FAILED)/, '_')
      expect(readme.includes(`\`${code}\``) || readme.includes(`\`${short}\``), code).toBe(true)
    }
  })
})
