import { BffError, type ErrorCode } from '../errors.ts'

/**
 * @tus/server answers any thrown value that carries `status_code` and `body` with exactly those,
 * so our refusals reach tus clients with the same JSON body and stable code as every other route.
 */
export class TusRefusal extends Error {
  readonly status_code: number
  readonly body: string
  constructor (code: ErrorCode, message?: string) {
    const err = new BffError(code, message)
    super(err.message)
    this.name = 'TusRefusal'
    this.status_code = err.statusCode
    this.body = JSON.stringify(err.toBody())
  }
}
