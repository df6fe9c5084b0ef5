/**
 * The only error and not-found handler: every failure leaves as `{statusCode, code, message}` with
 * a stable BFF_ERR_* code. Depends on rate-limit (the 404 handler is limited too).
 * @see https://fastify.dev/docs/latest/Reference/Errors/
 */
import type { FastifyError, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod'
import { BffError, isBffError, toIssues, type ErrorCode } from '../src/errors.ts'
import { CAPABILITIES } from '../src/tasks/capabilities/index.ts'
import { suggestField, unknownFieldMessage } from '../src/tasks/field-hints.ts'

// A typo'd capability is a 404 that says where the names are, and which one was probably meant.
function unknownCapabilityMessage (name: string): string {
  const meant = suggestField(name, CAPABILITIES.map((c) => c.name))
  return `No capability "${name}"${meant ? ` (did you mean "${meant}"?)` : ''}; GET /v1/capabilities lists them`
}

// Fastify's own client-error codes, translated into ours.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BFF_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'BFF_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BFF_ERR_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BFF_ERR_BAD_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BFF_ERR_BAD_JSON'
}

/** The field names of the route's schema for this part of the request, for "did you mean" hints. */
function knownFields (request: FastifyRequest, where: string): string[] {
  const schema = (request.routeOptions.schema as Record<string, unknown> | undefined)?.[where] as { shape?: Record<string, unknown> } | undefined
  return Object.keys(schema?.shape ?? {})
}

function toBffError (err: FastifyError | Error, request: FastifyRequest): BffError {
  if (isBffError(err)) return err
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? 'request'
    const issues = err.validation.flatMap((v) => {
      const path = [where, ...String(v.instancePath ?? '').split('/').filter(Boolean)]
      const unknown = v.keyword === 'unrecognized_keys' ? (v.params as { keys?: string[] }).keys : undefined
      // One issue per unknown field, at the field, with what it probably meant.
      if (unknown?.length) {
        const known = path.length === 1 ? knownFields(request, where) : []
        return unknown.map((key) => ({ path: [...path, key], message: unknownFieldMessage(key, known) }))
      }
      return [{ path, message: v.message ?? 'is invalid' }]
    })
    const first = issues[0]
    return new BffError('BFF_ERR_VALIDATION', first ? `${first.path.join('.')}: ${first.message}` : undefined, { issues: toIssues(issues) })
  }
  const fe = err as FastifyError
  const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined
  if (mapped) return new BffError(mapped)
  if (err instanceof SyntaxError && fe.statusCode === 400) return new BffError('BFF_ERR_BAD_JSON')
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return new BffError('BFF_ERR_BAD_REQUEST', fe.message)
  return new BffError('BFF_ERR_INTERNAL', undefined, { cause: err })
}

declare module 'fastify' {
  // The code of the error answer, for the refusal metrics; undefined for a successful one.
  interface FastifyRequest { errorCode: ErrorCode | undefined }
}

export default fp(async function errorHandler (fastify) {
  fastify.decorateRequest('errorCode', undefined)
  fastify.setErrorHandler(function (err: FastifyError, request, reply) {
    const bff = toBffError(err, request)
    if (isResponseSerializationError(err)) {
      request.log.error({ err, issues: err.cause.issues }, 'response does not match its schema')
    } else if (bff.statusCode >= 500) {
      request.log.error({ err }, 'request failed')
    } else {
      request.log.info({ code: bff.code, statusCode: bff.statusCode }, 'request rejected')
    }
    request.errorCode = bff.code
    if (bff.retryAfterSec !== undefined) reply.header('retry-after', String(bff.retryAfterSec))
    reply.code(bff.statusCode).send(bff.toBody())
  })

  const notFound = (request: FastifyRequest): BffError => {
    const path = request.url.split('?')[0] ?? ''
    const capability = request.method === 'POST' ? /^\/v1\/tasks\/([^/]+)$/.exec(path)?.[1] : undefined
    return new BffError('BFF_ERR_NOT_FOUND', capability !== undefined ? unknownCapabilityMessage(decodeURIComponent(capability)) : `No route for ${request.method} ${path}`)
  }
  // Answered (and counted against the per-IP limit) as soon as the headers are in: a body sent to
  // no route is never read, and the connection is closed rather than kept while it trickles in.
  const limit404 = fastify.rateLimit()
  fastify.addHook('onRequest', async (request, reply) => {
    if (!request.is404) return
    await limit404.call(fastify, request, reply)
    throw notFound(request)
  })
  fastify.setNotFoundHandler(function (request, reply) {
    request.errorCode = 'BFF_ERR_NOT_FOUND'
    reply.code(404).send(notFound(request).toBody())
  })
}, { name: 'error-handler', dependencies: ['rate-limit'] })
