import { z } from 'zod'
import type { FileOutputType } from '../model.ts'

/** The fields every upstream create body may carry besides the capability's own. */
export const UpstreamCommonSchema = z.object({
  callback: z.string().optional(),
  params: z.string().optional()
})

/** Public input URLs: the gateway must fetch them, so only http(s) and a sane length. */
const HttpUrlSchema = z.url({ protocol: /^https?$/ }).max(2048)
/** A finished upload of the caller; the BFF hands the gateway a short-lived signed URL for it. */
const UploadRefSchema = z.string().regex(/^upload:[0-9a-f]{32}$/)
  .describe('A finished upload of the caller: "upload:" followed by the last path segment of the Location that POST /v1/uploads answered')

export const MediaUrlSchema = z.union([HttpUrlSchema, UploadRefSchema], { error: 'must be an http(s) URL or "upload:<id>"' })

/**
 * Everything the BFF knows about one capability of a provider. Routes, OpenAPI, validation, the
 * simulator and result parsing all derive from this, so adding a capability is adding one file.
 * `endpoint` and `outputs` keep ToMoviee's shape (the first provider); others use them as they need.
 */
export interface CapabilityDefinition<
  In extends z.ZodObject = z.ZodObject,
  Up extends z.ZodType<Record<string, unknown>> = z.ZodType<Record<string, unknown>>
> {
  /** Public name: POST /v1/tasks/<name>. */
  name: string
  /** Upstream path segment: POST /v1/open/capacity/application/<endpoint>. */
  endpoint: string
  summary: string
  description: string
  /** The public request body (camelCase, every documented limit). */
  input: In
  /** The upstream body, in upstream names and limits, without callback/params. The simulator validates with this alone. */
  upstream: Up
  toUpstream: (input: z.output<In>) => z.input<Up>
  /** The input fields that hold URLs of files the gateway will fetch, and what they must be. */
  media: Readonly<Record<string, 'video' | 'image'>>
  /**
   * Keys of the upstream `result` object that hold output URLs, and what they are. `aliases` are
   * other spellings the sources give for the same key; the first one present is read.
   */
  outputs: readonly { key: string, type: FileOutputType, aliases?: readonly string[] }[]
  /** Outputs carried as text rather than read from a URL key (a diagram's source), for `GET /v1/capabilities`. */
  inlineOutputs?: readonly 'source'[]
  /** Typical generation time as documented upstream; used to decide when a callback is overdue. */
  typicalSeconds: { min: number, max: number }
  example: z.input<In>
}

/** Keeps the generic parameters of a definition while checking it against the interface. */
export function defineCapability<In extends z.ZodObject, Up extends z.ZodType<Record<string, unknown>>> (
  def: CapabilityDefinition<In, Up>
): CapabilityDefinition<In, Up> {
  return def
}

/** A short, trimmed text prompt. */
export const promptSchema = (max: number) => z.string().trim().min(1).max(max)
