import { providerContract } from '../contract.ts'
import { tomovieeHarness } from './harness.ts'

providerContract(tomovieeHarness)
