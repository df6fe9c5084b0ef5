import { BffError } from '../errors.ts'

/**
 * Wraps every method of a store so that a failure to reach its backend becomes a 503 with a
 * stable code instead of an anonymous 500; clients and the gateway retry a 503.
 */
export function guardUnavailable<T extends object> (target: T, isUnavailable: (err: unknown) => boolean): T {
  return new Proxy(target, {
    get (obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver)
      if (typeof value !== 'function') return value
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => unknown).apply(obj, args)
        } catch (err) {
          if (isUnavailable(err)) throw new BffError('BFF_ERR_STORE_UNAVAILABLE', undefined, { cause: err })
          throw err
        }
      }
    }
  })
}
