import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDiskMediaStore } from '../../src/media/disk.ts'
import { runMediaStoreContract } from './contract.ts'

runMediaStoreContract('disk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bff-media-'))
  const store = createDiskMediaStore(dir)
  return { store, close: async () => { await store.close(); await rm(dir, { recursive: true, force: true }) } }
})
