import { syncProviderContract } from '../sync-contract.ts'
import { edrawmaxHarness } from './harness.ts'

syncProviderContract(edrawmaxHarness)
