import type { EventBus, EventListener } from './types.ts'

/** The single-process bus: a map from owner to its listeners. */
export function createMemoryEventBus (onListenerError?: (err: unknown) => void): EventBus {
  const listeners = new Map<string, Set<EventListener>>()
  return {
    async publish (event) {
      for (const listener of listeners.get(event.owner) ?? []) {
        try { listener(event) } catch (err) { onListenerError?.(err) }
      }
    },
    subscribe (owner, listener) {
      let set = listeners.get(owner)
      if (!set) listeners.set(owner, (set = new Set()))
      set.add(listener)
      return () => {
        set.delete(listener)
        if (set.size === 0 && listeners.get(owner) === set) listeners.delete(owner)
      }
    },
    async close () { listeners.clear() }
  }
}
