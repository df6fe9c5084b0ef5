import type { ProgressTasks } from '../progress/poller.ts'
import type { TaskStore } from '../store/types.ts'
import type { Transitions } from './transitions.ts'

/** What progress polls may read and do: like the reconciler, they change tasks only through transitions. */
export function createProgressTasks (store: TaskStore, transitions: Transitions): ProgressTasks {
  return {
    async unfinished (owner, limit) {
      const [processing, queued] = await Promise.all([
        store.list({ owner, status: 'processing', limit }),
        store.list({ owner, status: 'queued', limit })
      ])
      return [...processing.items, ...queued.items].slice(0, limit)
    },
    get: (id) => store.get(id),
    applyReport: (id, report) => transitions.applyUpstream(id, report, 'progress')
  }
}
