import { randomUUID } from 'node:crypto'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isFileOutput } from '../../src/tasks/model.ts'
import type { ProviderHarness, ProviderUnderTest } from './contract.ts'

/**
 * The contract of a provider whose create call answers with the finished result (delivery
 * 'sync'), against its own simulator over real sockets. The callback and polling parts of
 * providerContract do not apply: there is no job to poll and nothing calls back.
 */
export function syncProviderContract (harness: ProviderHarness): void {
  describe(`sync provider contract: ${harness.name}`, () => {
    let sut: ProviderUnderTest

    beforeAll(async () => { sut = await harness.start() })
    afterAll(async () => { await sut?.close() })

    const create = async (scenario: 'success' | 'fail', owner = 'contract-owner') => {
      const outcome = await sut.provider.create({ taskId: randomUUID(), capability: sut.capability, input: sut.input(scenario), owner, deadlineAt: Date.now() + 600_000 })
      if (!('report' in outcome)) throw new Error('a sync provider answers with a report')
      return outcome.report
    }

    it('declares itself synchronous, with its capabilities', () => {
      expect(sut.provider.id).toMatch(/^[a-z][a-z0-9-]*$/)
      expect(sut.provider.delivery).toBe('sync')
      expect(sut.provider.confirmCallbacks).toBe(false)
      expect(sut.provider.capabilities.map((c) => c.name)).toContain(sut.capability)
    })

    it('answers create with a succeeded report whose files download with the right content type', async () => {
      const report = await create('success')
      expect(report.status).toBe('succeeded')
      expect(report.error).toBeUndefined()
      const files = (report.outputs ?? []).filter(isFileOutput)
      expect(files.length).toBeGreaterThan(0)
      for (const output of files) {
        const res = await request(output.url)
        const bytes = Buffer.from(await res.body.arrayBuffer())
        expect(res.statusCode, output.url).toBe(200)
        expect(res.headers['content-type']).toMatch(sut.contentTypes[output.type] ?? /^$/)
        expect(bytes.length).toBeGreaterThan(100)
      }
    })

    it('answers a failed generation with a failed report, not an exception', async () => {
      const report = await create('fail')
      expect(report.status).toBe('failed')
      expect(report.error?.code).toBe('BFF_ERR_TASK_FAILED')
      expect(report.outputs).toBeUndefined()
    })

    it('refuses an invalid body before calling upstream', async () => {
      await expect(sut.provider.create({ taskId: randomUUID(), capability: sut.capability, input: {}, deadlineAt: Date.now() + 60_000 }))
        .rejects.toMatchObject({ code: 'BFF_ERR_VALIDATION' })
      await expect(sut.provider.create({ taskId: randomUUID(), capability: 'no-such-capability', input: sut.input('success'), deadlineAt: Date.now() + 60_000 }))
        .rejects.toMatchObject({ code: 'BFF_ERR_BAD_REQUEST' })
    })

    it('has no job to poll and takes no callbacks', async () => {
      await expect(sut.provider.get(randomUUID())).rejects.toMatchObject({ code: expect.stringMatching(/^BFF_ERR_UPSTREAM_/) })
      for (const body of [null, {}, { code: 0, data: {} }]) {
        expect(() => sut.provider.parseCallback(body)).toThrow(expect.objectContaining({ code: 'BFF_ERR_WEBHOOK_INVALID' }))
      }
    })
  })
}
