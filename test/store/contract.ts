import { afterEach, beforeEach, describe } from 'vitest'
import { concurrencyCases } from './contract-concurrency.ts'
import { eventCases, eventVisibilityCases } from './contract-events.ts'
import { listCases } from './contract-list.ts'
import { metadataCases } from './contract-metadata.ts'
import { taskCases } from './contract-tasks.ts'
import type { OpenStore, Store, StoreContext, StoreHarness } from './fixtures.ts'

/**
 * The behaviour every TaskStore & EventLog must have, run against each implementation. `open`
 * gives a fresh, empty backend per test.
 */
export function runStoreContract (name: string, open: OpenStore, opts: { skip?: boolean } = {}): void {
  describe.skipIf(opts.skip ?? false)(`store contract: ${name}`, () => {
    let harness: StoreHarness | undefined
    const ctx: StoreContext = {
      get store (): Store { return current().store },
      get peer (): Store { return current().peer }
    }
    const current = (): StoreHarness => {
      if (!harness) throw new Error('no store open')
      return harness
    }
    beforeEach(async () => { harness = await open() })
    afterEach(async () => {
      await harness?.close()
      harness = undefined
    })

    describe('tasks', () => taskCases(ctx))
    describe('listing', () => listCases(ctx))
    describe('metadata', () => metadataCases(ctx))
    describe('events', () => eventCases(ctx))
    describe('event visibility', () => eventVisibilityCases(ctx))
    describe('concurrency', () => concurrencyCases(ctx))
  })
}
