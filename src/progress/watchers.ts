/**
 * Which tasks someone is watching on this instance: a stream of one task, or an owner's stream
 * (which covers all of that owner's tasks). Progress polls go only to what is watched, so a task
 * nobody looks at costs no upstream calls.
 */
export interface WatchTarget { owner: string, taskId?: string | undefined }

export interface Watchers {
  /** Counts a stream until the returned function is called (once; later calls do nothing). */
  watch: (target: WatchTarget) => () => void
  /** Owners with an owner-wide stream, and single tasks watched (without their owner's stream). */
  targets: () => { owners: string[], tasks: { owner: string, taskId: string }[] }
}

export function createWatchers (): Watchers {
  const owners = new Map<string, number>()
  const tasks = new Map<string, { owner: string, count: number }>()

  function add<K> (map: Map<K, number>, key: K, delta: number): void {
    const next = (map.get(key) ?? 0) + delta
    if (next > 0) map.set(key, next)
    else map.delete(key)
  }

  return {
    watch (target) {
      const taskId = target.taskId
      if (taskId === undefined) add(owners, target.owner, 1)
      else {
        const cur = tasks.get(taskId)
        tasks.set(taskId, { owner: target.owner, count: (cur?.count ?? 0) + 1 })
      }
      let done = false
      return () => {
        if (done) return
        done = true
        if (taskId === undefined) return add(owners, target.owner, -1)
        const cur = tasks.get(taskId)
        if (!cur) return
        if (cur.count > 1) cur.count -= 1
        else tasks.delete(taskId)
      }
    },
    targets () {
      const single = [...tasks].filter(([, t]) => !owners.has(t.owner)).map(([taskId, t]) => ({ owner: t.owner, taskId }))
      return { owners: [...owners.keys()], tasks: single }
    }
  }
}
