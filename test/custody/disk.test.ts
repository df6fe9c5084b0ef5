import { runCustodySuite } from './suite.ts'

runCustodySuite('disk', async () => ({ env: () => ({}) }))
