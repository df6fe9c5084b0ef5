import { z } from 'zod'
import { BffError } from '../errors.ts'

/**
 * The app's own labels on a task (an order id, a user id): stored and returned with the task, in
 * every event and webhook, filterable on GET /v1/tasks, and never sent to a provider. The schema
 * fixes the shape; the size limits are the deployment's (METADATA_*), checked on create.
 */
export const MetadataSchema = z.record(z.string(), z.string({ error: 'metadata values must be strings' }))
  .describe('Your own labels for the task: a flat object of string values (by default at most 16 keys, keys up to 40 characters, values up to 500); returned with the task and in every event and webhook, never sent to the provider')
  .meta({ id: 'Metadata' })
export type Metadata = z.infer<typeof MetadataSchema>

export interface MetadataLimits { maxKeys: number, maxKeyLength: number, maxValueLength: number }

const positive = z.coerce.number().int().min(1)

/** The variables, spread into the one ConfigSchema. */
export const METADATA_ENV = {
  METADATA_MAX_KEYS: positive.default(16).describe('Most keys a task\'s `metadata` may have.'),
  METADATA_MAX_KEY_LENGTH: positive.default(40).describe('Longest key in a task\'s `metadata` (characters).'),
  METADATA_MAX_VALUE_LENGTH: positive.default(500).describe('Longest value in a task\'s `metadata` (characters).')
}

type Env = z.output<z.ZodObject<typeof METADATA_ENV>>

export function metadataLimits (e: Env): MetadataLimits {
  return { maxKeys: e.METADATA_MAX_KEYS, maxKeyLength: e.METADATA_MAX_KEY_LENGTH, maxValueLength: e.METADATA_MAX_VALUE_LENGTH }
}

export const DEFAULT_METADATA_LIMITS: MetadataLimits = { maxKeys: 16, maxKeyLength: 40, maxValueLength: 500 }

/** Refuses metadata over a limit with one readable message naming it (and every offending key in `issues`). */
export function assertMetadataLimits (metadata: Metadata, limits: MetadataLimits): void {
  const issues: { path: string, message: string }[] = []
  const keys = Object.keys(metadata)
  if (keys.length > limits.maxKeys) issues.push({ path: 'body.metadata', message: `has ${keys.length} keys; at most ${limits.maxKeys} are allowed` })
  for (const key of keys) {
    // Counted in code points, as a person counts characters; an empty key could never be filtered on.
    const keyLength = [...key].length
    if (keyLength === 0) issues.push({ path: 'body.metadata', message: 'keys must not be empty' })
    if (keyLength > limits.maxKeyLength) issues.push({ path: `body.metadata.${key}`, message: `key is ${keyLength} characters long; at most ${limits.maxKeyLength} are allowed` })
    const valueLength = [...metadata[key]!].length
    if (valueLength > limits.maxValueLength) issues.push({ path: `body.metadata.${key}`, message: `value is ${valueLength} characters long; at most ${limits.maxValueLength} are allowed` })
  }
  if (issues.length) throw new BffError('BFF_ERR_METADATA_LIMIT', `${issues[0]!.path}: ${issues[0]!.message}`, { issues })
}
