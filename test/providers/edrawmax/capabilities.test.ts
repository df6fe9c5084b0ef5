import { afterEach, describe, expect, it } from 'vitest'
import { EDRAWMAX_CAPABILITIES } from '../../../src/providers/edrawmax/capability.ts'
import { bearer, startStack, type Stack } from '../../helper.ts'

let stack: Stack | undefined
afterEach(async () => { await stack?.close(); stack = undefined })

describe('GET /v1/capabilities for diagrams', () => {
  it('lists every kind of output of a diagram: the PNG, the SVG and the inline source', async () => {
    stack = await startStack()
    const res = await fetch(`${stack.url}/v1/capabilities`, { headers: bearer() })
    const { items } = await res.json() as { items: Array<{ name: string, outputType: string, outputTypes: string[] }> }
    for (const def of EDRAWMAX_CAPABILITIES) {
      expect(items.find((i) => i.name === def.name)).toMatchObject({ outputType: 'image', outputTypes: ['image', 'vector', 'source'] })
    }
    // A single-output capability lists just that one.
    expect(items.find((i) => i.name === 'text-to-music')).toMatchObject({ outputType: 'audio', outputTypes: ['audio'] })
  })
})
