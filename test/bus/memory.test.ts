import { createMemoryEventBus } from '../../src/bus/memory.ts'
import { runBusContract } from './contract.ts'

runBusContract('memory', async (onError) => {
  const bus = createMemoryEventBus(onError)
  return { bus, close: () => bus.close() }
}, { crossInstance: false })
