import { createSqliteStore } from '../../src/store/sqlite.ts'
import { tempDbPath } from '../helper.ts'
import { runStoreContract } from './contract.ts'

// Two handles on one file, as two processes would have.
runStoreContract('sqlite', async () => {
  const db = tempDbPath()
  const store = createSqliteStore(db.path)
  const peer = createSqliteStore(db.path)
  return {
    store,
    peer,
    async close () {
      await store.close()
      await peer.close()
      db.cleanup()
    }
  }
})
