import { providerContract } from '../contract.ts'
import { tencentHarness } from './harness.ts'

providerContract(tencentHarness)
