import { providerContract } from '../contract.ts'
import { mediaioHarness } from './harness.ts'

providerContract(mediaioHarness)
