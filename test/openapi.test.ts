import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROJECT_ROOT } from '../src/meta.ts'
import { generateOpenApiYaml } from '../src/openapi.ts'

describe('openapi.yaml', () => {
  it('matches what the app generates (run `npm run openapi` after changing a route or schema)', async () => {
    const committed = readFileSync(join(PROJECT_ROOT, 'openapi.yaml'), 'utf8')
    expect(committed).toBe(await generateOpenApiYaml())
  })

  it('documents every route with its error responses and the SSE content type', async () => {
    const doc = await generateOpenApiYaml()
    for (const path of ['/v1/tasks/video-scoring:', '/v1/tasks:', '/v1/tasks/{id}:', '/v1/tasks/{id}/events:', '/v1/events:', '/healthz:', '/readyz:']) {
      expect(doc).toContain(`  ${path}`)
    }
    expect(doc).toContain('text/event-stream')
    expect(doc).toContain('BFF_ERR_UPSTREAM_TIMEOUT')
    expect(doc).toContain('openapi: 3.1.0')
  })
})
